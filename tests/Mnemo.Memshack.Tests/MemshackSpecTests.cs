using Mnemo.Grains;
using Mnemo.DataPlane;

namespace Mnemo.Memshack.Tests;

public sealed class MemshackSpecTests
{
    private static string Manifest(string spec) => $"""
        apiVersion: mnemo.dev/v1alpha1
        kind: Memshack
        metadata:
          name: test
          namespace: cache
        spec:
        {spec}
        """;

    [Fact]
    public void Sample_manifest_parses_and_is_valid()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "TestData", "memshack-sample.yaml");
        MemshackResource resource = MemshackManifestParser.Parse(File.ReadAllText(path));
        Assert.Equal("sample", resource.Name);
        Assert.Equal("default", resource.Namespace);
        Assert.Equal(new MemshackSpec(), resource.Spec);
        Assert.Empty(MemshackSpecValidator.Validate(resource.Spec, nodeCount: 3));
    }

    [Fact]
    public void Missing_spec_fields_take_the_memshack_defaults()
    {
        MemshackResource resource = MemshackManifestParser.Parse(Manifest("  num_shards: 5"));
        Assert.Equal("cache", resource.Namespace);
        Assert.Equal(5, resource.Spec.NumShards);
        Assert.Equal(2, resource.Spec.NumReplicas);
        Assert.Equal(2, resource.Spec.McrouterPoolSize);
        Assert.Equal(5000, resource.Spec.McrouterPort);
        Assert.Equal("memcached:1.6-alpine", resource.Spec.MemcachedImage);
        Assert.Equal("mcrouter/mcrouter:latest", resource.Spec.McrouterImage);
        Assert.Equal(WriteQuorum.All, resource.Spec.WriteQuorum);
    }

    [Fact]
    public void All_fields_are_read()
    {
        MemshackResource resource = MemshackManifestParser.Parse(Manifest("""
              num_shards: 7
              num_replicas: 3
              mcrouter_pool_size: 4
              mcrouter_port: 6000
              memcached_image: memcached:1.6.18
              mcrouter_image: mcrouter:v1
              writeQuorum: majority
            """));
        Assert.Equal(new MemshackSpec
        {
            NumShards = 7,
            NumReplicas = 3,
            McrouterPoolSize = 4,
            McrouterPort = 6000,
            MemcachedImage = "memcached:1.6.18",
            McrouterImage = "mcrouter:v1",
            WriteQuorum = WriteQuorum.Majority,
        }, resource.Spec);
    }

    [Fact]
    public void Every_parse_problem_is_reported_with_its_field()
    {
        var error = Assert.Throws<MemshackManifestException>(() => MemshackManifestParser.Parse("""
            apiVersion: example.memshack.com/v1
            kind: Memshack
            metadata: {}
            spec:
              num_shards: three
              num_shard: 3
              writeQuorum: quorum
            """));
        Assert.Equal(5, error.Reasons.Count);
        Assert.Contains(error.Reasons, r => r.StartsWith("apiVersion: expected 'mnemo.dev/v1alpha1'", StringComparison.Ordinal));
        Assert.Contains("metadata.name: required", error.Reasons);
        Assert.Contains("spec.num_shards: expected an integer, got 'three'", error.Reasons);
        Assert.Contains(error.Reasons, r => r.StartsWith("spec.num_shard: unknown field", StringComparison.Ordinal));
        Assert.Contains("spec.writeQuorum: expected one of all, majority, one; got 'quorum'", error.Reasons);
    }

    [Theory]
    [InlineData("kind: [", "not valid YAML")]
    [InlineData("- a\n- b", "must be a mapping")]
    public void Malformed_documents_are_refused_clearly(string text, string expected)
    {
        var error = Assert.Throws<MemshackManifestException>(() => MemshackManifestParser.Parse(text));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validation_lists_every_violation()
    {
        var spec = new MemshackSpec { NumShards = 0, NumReplicas = 0, McrouterPoolSize = 0, McrouterPort = 70000, MemcachedImage = " " };
        IReadOnlyList<string> errors = MemshackSpecValidator.Validate(spec);
        Assert.Equal(
            [
                "spec.num_shards: must be at least 1, got 0",
                "spec.num_replicas: must be at least 1, got 0",
                "spec.mcrouter_pool_size: must be at least 1, got 0",
                "spec.mcrouter_port: must be between 1 and 65535, got 70000",
                "spec.memcached_image: must not be empty",
            ],
            errors);
    }

    [Theory]
    [InlineData(3, 3, true)]
    [InlineData(3, 2, false)]
    [InlineData(1, 1, true)]
    public void Replicas_need_distinct_nodes(int replicas, int nodes, bool valid)
    {
        IReadOnlyList<string> errors = MemshackSpecValidator.Validate(new MemshackSpec { NumReplicas = replicas }, nodes);
        Assert.Equal(valid, errors.Count == 0);
        if (!valid)
        {
            Assert.Equal($"spec.num_replicas: {replicas} replicas need {replicas} distinct nodes, but only {nodes} are available", Assert.Single(errors));
        }
    }

    [Theory]
    [InlineData(11211, false)]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(65535, true)]
    [InlineData(5000, true)]
    public void Port_rules(int port, bool valid)
    {
        Assert.Equal(valid, MemshackSpecValidator.Validate(new MemshackSpec { McrouterPort = port }).Count == 0);
    }

    [Fact]
    public void Shard_count_is_bounded_by_ch3()
    {
        Assert.Single(MemshackSpecValidator.Validate(new MemshackSpec { NumShards = 8_388_609 }));
        Assert.Empty(MemshackSpecValidator.Validate(new MemshackSpec { NumShards = 8_388_608 }));
    }

    [Theory]
    [InlineData(WriteQuorum.All, 3, 3)]
    [InlineData(WriteQuorum.Majority, 3, 2)]
    [InlineData(WriteQuorum.Majority, 2, 2)]
    [InlineData(WriteQuorum.Majority, 4, 3)]
    [InlineData(WriteQuorum.One, 5, 1)]
    public void Quorum_acks(WriteQuorum quorum, int replicas, int acks)
    {
        Assert.Equal(acks, quorum.RequiredAcks(replicas));
    }
}
