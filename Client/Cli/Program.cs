using Mnemo.Cli;

return await MnemoCommand.Create().Parse(args).InvokeAsync();
