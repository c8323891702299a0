using System.CommandLine;

namespace Mnemo.Cli;

/// <summary>The <c>mnemo</c> command tree.</summary>
public static class MnemoCommand
{
    public static RootCommand Create()
    {
        var gateway = new Option<string[]>("--gateway", "-g")
        {
            Description = $"Orleans gateway host:port of a silo (repeatable); default ${Client.MnemoClientOptions.GatewayEnvironmentVariable}, else the gateways in the Kubernetes API",
            Recursive = true,
        };
        var grpc = new Option<string[]>("--grpc")
        {
            Description = $"gRPC API host:port of a silo (repeatable, tried in order) for memshack, cache and route; default ${Client.MnemoClientOptions.GrpcEnvironmentVariable}",
            Recursive = true,
        };
        var kubeconfig = new Option<string?>("--kubeconfig")
        {
            Description = "kubeconfig of the cluster's Kubernetes API (default $KUBECONFIG, else ~/.kube/config)",
            Recursive = true,
        };
        var ns = new Option<string?>("--namespace", "-n")
        {
            Description = "namespace of the membership resources and of the cluster snapshots (default: the kubeconfig context's), and of the Memshack verify names (default: default)",
            Recursive = true,
        };
        var clusterId = new Option<string?>("--cluster-id")
        {
            Description = $"Orleans cluster id (default ${Client.MnemoClientOptions.ClusterIdEnvironmentVariable}, else {Client.MnemoClientOptions.DefaultClusterId})",
            Recursive = true,
        };
        var output = new Option<OutputFormat>("--output", "-o")
        {
            Description = "Output format: table, json or yaml (JSON and YAML field names are the table headers in camelCase)",
            Recursive = true,
            DefaultValueFactory = _ => OutputFormat.Table,
        };

        var root = new RootCommand($"mnemo: inspect and manage a Mnemo cluster (also kubectl mnemo); {ExitCodes.Help}");
        root.Options.Add(gateway);
        root.Options.Add(grpc);
        root.Options.Add(kubeconfig);
        root.Options.Add(ns);
        root.Options.Add(clusterId);
        root.Options.Add(output);
        ConnectionArguments Connection(ParseResult parse) =>
            new(parse.GetValue(gateway), parse.GetValue(grpc), parse.GetValue(kubeconfig), parse.GetValue(ns), parse.GetValue(clusterId));

        var usage = new Command("usage", "Memory capacity and use per node");
        usage.SetAction((parse, cancel) => CommandRunner.RunAsync(Connection(parse), parse.GetValue(output), UsageCommand.RunAsync, cancel));
        root.Subcommands.Add(usage);

        var list = new Command("list", "Cluster members: node, address, status, generation");
        list.SetAction((parse, cancel) => CommandRunner.RunAsync(Connection(parse), parse.GetValue(output), ListCommand.RunAsync, cancel));
        root.Subcommands.Add(list);
        root.Subcommands.Add(MemshackCommand.Create(Connection, output, ns));
        root.Subcommands.Add(CacheCommand.Create(Connection, output, ns));
        root.Subcommands.Add(RouteCommand.Create(Connection, output, ns));
        root.Subcommands.Add(VersionCommand.Create(output));

        var memshack = new Argument<string>("memshack") { Description = "name of the Memshack (its namespace is --namespace)" };
        var verify = new Command("verify", "Compare the replicas of every shard of a Memshack; exit 0 when all agree, 3 when keys differ, 4 when a replica did not answer");
        verify.Arguments.Add(memshack);
        verify.SetAction((parse, cancel) => CommandRunner.RunAsync(Connection(parse), parse.GetValue(output),
            (client, format, token) => VerifyCommand.RunAsync(client, format, $"{parse.GetValue(ns) ?? "default"}/{parse.GetValue(memshack)}", token), cancel));
        root.Subcommands.Add(verify);
        Command clustersnap = ClusterSnapCommand.Create(kubeconfig, ns, output);
        clustersnap.Subcommands.Add(ClusterSnapExportCommand.Create(Connection, output));
        clustersnap.Subcommands.Add(ClusterSnapImportCommand.Create(Connection, output));
        root.Subcommands.Add(clustersnap);
        root.Subcommands.Add(TlsCommand.Create(kubeconfig, ns, output));
        return root;
    }
}

public enum OutputFormat { Table, Json, Yaml }
