using Mnemo.Cli;
using Spectre.Console;

// Redirected output (pipes, files, scripts) keeps whole table rows instead of wrapping at 80 columns.
if (Console.IsOutputRedirected)
    AnsiConsole.Profile.Width = 200;

return await MnemoCommand.Create().Parse(args).InvokeAsync();
