using Mnemo.RuntimeBench;

// Grain runtime benchmarks. Each section compares against a baseline measured in the same run.
//   dotnet run -c Release --project tests/Benchmarks/RuntimeBench -- [--only <section>] [--iterations N]
var sections = new Dictionary<string, Func<int, Task>>(StringComparer.OrdinalIgnoreCase)
{
    ["local"] = LocalCallBenchmark.RunAsync,
    ["remote"] = RemoteCallBenchmark.RunAsync,
};

string? only = null;
int iterations = 1_000_000;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--only" when i + 1 < args.Length:
            only = args[++i];
            break;
        case "--iterations" when i + 1 < args.Length && int.TryParse(args[i + 1], out int n) && n > 0:
            iterations = n;
            i++;
            break;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}'; usage: [--only {string.Join('|', sections.Keys)}] [--iterations N]");
            return 2;
    }
}

if (only is not null && !sections.ContainsKey(only))
{
    Console.Error.WriteLine($"unknown section '{only}'; sections: {string.Join(", ", sections.Keys)}");
    return 2;
}

foreach ((string name, Func<int, Task> run) in sections)
{
    if (only is null || string.Equals(only, name, StringComparison.OrdinalIgnoreCase))
    {
        await run(iterations);
    }
}

return 0;
