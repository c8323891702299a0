using System.Text;
using Mnemo.Runtime.Tests.TestGrains;

namespace Mnemo.Runtime.Tests;

public sealed class GrainIdTests
{
    // Published MurmurHash3 x86_32 vectors (SMHasher's reference implementation).
    [Theory]
    [InlineData("", 0u, 0x00000000u)]
    [InlineData("", 1u, 0x514E28B7u)]
    [InlineData("hello", 0u, 0x248BFA47u)]
    [InlineData("The quick brown fox jumps over the lazy dog", 0u, 0x2E4FF723u)]
    public void MurmurHash3_matches_reference_vectors(string input, uint seed, uint expected) =>
        Assert.Equal(expected, MurmurHash3.Hash32(Encoding.UTF8.GetBytes(input), seed));

    // Computed with an independent implementation of the algorithm: every process, every run, every
    // version must give these values, or grains would move between silos.
    [Theory]
    [InlineData("echo", "alpha", 0x260B1A03u)]
    [InlineData("nodememory", "nöde-1", 0x7B343E1Au)]
    public void Stable_hash_is_murmur3_of_the_utf8_string_form(string type, string key, uint expected) =>
        Assert.Equal(expected, new GrainId(type, key).GetStableHash());

    [Fact]
    public void Stable_hash_of_long_keys_uses_the_pooled_path_and_agrees_with_the_spec()
    {
        string key = new('k', 1000);
        var id = new GrainId("echo", key);
        Assert.Equal(MurmurHash3.Hash32(Encoding.UTF8.GetBytes("echo/" + key)), id.GetStableHash());
    }

    [Fact]
    public void String_form_round_trips_and_keys_may_contain_slashes()
    {
        var id = new GrainId("memshackshard", "default/cache/3");
        Assert.Equal("memshackshard/default/cache/3", id.ToString());
        Assert.Equal(id, GrainId.Parse(id.ToString()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("noslash")]
    [InlineData("/key")]
    public void Parse_refuses_malformed_ids(string value) => Assert.Throws<FormatException>(() => GrainId.Parse(value));

    [Fact]
    public void Type_with_a_slash_is_refused() => Assert.Throws<ArgumentException>(() => new GrainId("a/b", "k"));

    [Fact]
    public void Integer_and_guid_keys_have_a_canonical_string_form()
    {
        var guid = Guid.Parse("6F9619FF-8B86-D011-B42D-00CF4FC964FF");
        Assert.Equal("t/-42", GrainId.Create("t", -42L).ToString());
        Assert.Equal("t/6f9619ff-8b86-d011-b42d-00cf4fc964ff", GrainId.Create("t", guid).ToString());
    }

    [Fact]
    public void Grain_type_names_derive_from_the_interface_unless_declared()
    {
        Assert.Equal("echo", GrainTypeNames.Of(typeof(IEchoGrain)));
        Assert.Equal("lifecycle", GrainTypeNames.Of(typeof(ILifecycleGrain)));
        Assert.Equal("custom-name", GrainTypeNames.Of(typeof(ICustomNamedGrain)));
        Assert.Throws<ArgumentException>(() => GrainTypeNames.Of(typeof(IDisposable)));
    }
}
