using Mnemo.Cli;
using Spectre.Console;

// Redirected output (pipes, files, scripts) gets no ANSI codes, and keeps whole table rows instead of
// wrapping at 80 columns.
if (Console.IsOutputRedirected)
{
    AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Ansi = AnsiSupport.No,
        ColorSystem = ColorSystemSupport.NoColors,
        Interactive = InteractionSupport.No,
        Out = new AnsiConsoleOutput(Console.Out),
    });
    AnsiConsole.Profile.Width = 200;
}

return await MnemoCommand.Create().Parse(args).InvokeAsync();
