using System.CommandLine;
using System.CommandLine.Parsing;
using Mnemo.NativeEngine;
using Mnemo.Sizes;

namespace Mnemo.PoolTool;

/// <summary>
/// The <c>mnemo-pool</c> command line. Exit codes: 0 success, 1 the pool could not be opened or
/// read, 2 bad command line.
/// </summary>
internal static class PoolToolCommand
{
    public const int ExitOk = 0;
    public const int ExitEngineError = 1;
    public const int ExitUsage = 2;

    private const ulong DefaultCapacity = 256UL << 20;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        RootCommand root = Build();
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (ParseError parseError in parsed.Errors)
            {
                error.WriteLine($"mnemo-pool: {parseError.Message}");
            }
            error.WriteLine("Run 'mnemo-pool --help' for usage.");
            return ExitUsage;
        }
        return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error });
    }

    private static RootCommand Build()
    {
        var path = new Option<string>("--path", "-p")
        {
            Description = "Pool file or device",
            Required = true,
        };
        var capacity = new Option<ulong>("--capacity", "-c")
        {
            Description = "Size of a pool created with --create: bytes or a Kubernetes quantity, 256Mi = 256 x 2^20, 256M = 256 x 10^6 (1Gi, 1.5Gi, 512M) [default: 256Mi]",
            CustomParser = ParseSize,
            HelpName = "size",
        };
        var create = new Option<bool>("--create")
        {
            Description = "Create the pool when it does not exist",
        };
        var mode = new Option<string>("--mode", "-m")
        {
            Description = "What backs the pool",
            DefaultValueFactory = _ => "emulation",
        }.AcceptOnlyFromAmong(DeviceModeNames.All);
        var format = new Option<string>("--output", "-o")
        {
            Description = "Output format",
            DefaultValueFactory = _ => "table",
        }.AcceptOnlyFromAmong("table", "json");

        var info = new Command("info", "Open (or create) a pool and show its capacity, usage, regions and slab classes")
        {
            path, capacity, create, mode, format,
        };
        info.SetAction(parsed =>
        {
            // 0 means not given: the size parser rejects an explicit 0.
            ulong requestedCapacity = parsed.GetValue(capacity);
            var options = new PoolOptions
            {
                Path = parsed.GetRequiredValue(path),
                Capacity = requestedCapacity == 0 ? DefaultCapacity : requestedCapacity,
                Create = parsed.GetValue(create),
                Mode = DeviceModeNames.Parse(parsed.GetRequiredValue(mode)),
            };
            return Info(options, parsed.GetRequiredValue(format), parsed.InvocationConfiguration.Output, parsed.InvocationConfiguration.Error);
        });

        return new RootCommand("Offline inspection of Mnemo engine pools") { info };
    }

    private static int Info(PoolOptions options, string format, TextWriter output, TextWriter error)
    {
        PoolReport report;
        try
        {
            using EnginePool pool = EnginePool.Open(options);
            report = PoolReport.Read(pool);
        }
        catch (EngineException e)
        {
            error.WriteLine($"mnemo-pool: cannot read pool '{options.Path}': {e.EngineMessage ?? e.Status.ToString()}");
            if (!options.Create && e.Status is EngineStatus.NotFound or EngineStatus.Io)
            {
                error.WriteLine("mnemo-pool: pass --create (and --capacity) to create it.");
            }
            return ExitEngineError;
        }
        catch (DllNotFoundException e)
        {
            error.WriteLine($"mnemo-pool: {e.Message}");
            return ExitEngineError;
        }

        if (format == "json")
        {
            JsonReportWriter.Write(report, output);
        }
        else
        {
            TableReportWriter.Write(report, output);
        }
        return ExitOk;
    }

    private static ulong ParseSize(ArgumentResult result)
    {
        string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
        if (ByteSize.TryParse(text, out ulong bytes, out string problem) && bytes > 0)
        {
            return bytes;
        }
        result.AddError($"--capacity '{text}' {(problem.Length > 0 ? problem : "is zero")}: expected {ByteSize.Expected}.");
        return 0;
    }
}
