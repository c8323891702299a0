using System.CommandLine;

namespace Mnemo.Cli;

/// <summary>The <c>mnemo</c> command tree.</summary>
public static class MnemoCommand
{
    public static RootCommand Create()
    {
        var gateway = new Option<string[]>("--gateway", "-g")
        {
            Description = $"Silo endpoint host:port to connect through (repeatable); default ${Client.ClusterClientOptions.GatewayEnvironmentVariable} or {Client.ClusterClientOptions.DefaultGateway}",
            Recursive = true,
        };
        var output = new Option<OutputFormat>("--output", "-o")
        {
            Description = "Output format",
            Recursive = true,
            DefaultValueFactory = _ => OutputFormat.Table,
        };

        var root = new RootCommand("mnemo: inspect and manage a Mnemo cluster");
        root.Options.Add(gateway);
        root.Options.Add(output);

        var usage = new Command("usage", "Memory capacity and use per node");
        usage.SetAction((parse, cancel) => CommandRunner.RunAsync(parse.GetValue(gateway), parse.GetValue(output), UsageCommand.RunAsync, cancel));
        root.Subcommands.Add(usage);

        var list = new Command("list", "Cluster members: node, address, status, generation, grains");
        list.SetAction((parse, cancel) => CommandRunner.RunAsync(parse.GetValue(gateway), parse.GetValue(output), ListCommand.RunAsync, cancel));
        root.Subcommands.Add(list);
        return root;
    }
}

public enum OutputFormat { Table, Json }
