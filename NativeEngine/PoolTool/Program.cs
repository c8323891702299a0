using Mnemo.PoolTool;

return PoolToolCommand.Run(args, Console.Out, Console.Error);
