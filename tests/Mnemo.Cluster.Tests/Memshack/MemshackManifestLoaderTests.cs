using Microsoft.Extensions.Logging;
using Mnemo.Grains.Memshack;
using Mnemo.Silo.Memshack;
using Xunit;

namespace Mnemo.Cluster.Tests.Memshack;

public sealed class MemshackManifestLoaderTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mnemo-manifest-tests", Guid.NewGuid().ToString("N")[..12]);
    private readonly RecordingLogger _logger = new();

    public MemshackManifestLoaderTests() => Directory.CreateDirectory(_folder);

    [Fact]
    public void Serves_valid_memshacks_skips_other_kinds_and_rejects_invalid_ones_with_their_reasons()
    {
        Write("a-cache.yaml", Manifest("cache", 5000));
        Write("b-machine.yaml", "apiVersion: mnemo.dev/v1alpha1\nkind: MemoryMachine\nmetadata:\n  name: pmem\n");
        Write("c-typo.yaml", Manifest("typo", 5001).Replace("num_shards", "num_shard"));
        Write("d-same-port.yml", Manifest("other", 5000));
        Write("e-too-many.json", Manifest("wide", 5002).Replace("num_replicas: 2", "num_replicas: 4"));
        Write("f-notes.txt", "not a manifest");

        IReadOnlyList<MemshackResource> served = MemshackManifestLoader.Load(_folder, nodeCount: 3, _logger);

        MemshackResource only = Assert.Single(served);
        Assert.Equal(("default", "cache", 5000), (only.Namespace, only.Name, only.Spec.McrouterPort));
        string errors = string.Join("\n", _logger.Errors);
        Assert.Equal(3, _logger.Errors.Count);
        Assert.Contains("c-typo.yaml", errors);
        Assert.Contains("spec.num_shard: unknown field", errors);
        Assert.Contains("spec.mcrouter_port: 5000 is taken by default/cache", errors);
        Assert.Contains("spec.num_replicas: 4 replicas need 4 distinct nodes, but only 3 are available", errors);
        Assert.DoesNotContain("b-machine", errors);
    }

    [Fact]
    public void A_missing_folder_serves_nothing_and_says_so()
    {
        Assert.Empty(MemshackManifestLoader.Load(Path.Combine(_folder, "absent"), 3, _logger));
        Assert.Contains(_logger.Warnings, w => w.Contains("does not exist"));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private void Write(string name, string text) => File.WriteAllText(Path.Combine(_folder, name), text);

    private static string Manifest(string name, int port) =>
        $"apiVersion: mnemo.dev/v1alpha1\nkind: Memshack\nmetadata:\n  namespace: default\n  name: {name}\nspec:\n  num_shards: 3\n  num_replicas: 2\n  mcrouter_port: {port}\n";

    private sealed class RecordingLogger : ILogger
    {
        public List<string> Errors { get; } = [];

        public List<string> Warnings { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Error)
                Errors.Add(formatter(state, exception));
            else if (logLevel == LogLevel.Warning)
                Warnings.Add(formatter(state, exception));
        }
    }
}
