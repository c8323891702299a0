using Mnemo.EngineBench;

return BenchProgram.Run(args);
