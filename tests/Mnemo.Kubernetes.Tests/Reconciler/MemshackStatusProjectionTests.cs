using System.Text.Json;
using Mnemo.Grains.Interfaces;
using Mnemo.Kubernetes.Reconciler;

namespace Mnemo.Kubernetes.Tests;

/// <summary>The Memshack status projection and the conditions helper, without I/O.</summary>
public sealed class MemshackStatusProjectionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private static readonly MemshackReadiness AllReady = new(3, 3, []);
    private static readonly MemshackReadiness OneLagging = new(3, 2, ["shard 1: node-2 unreachable"]);

    private static JsonElement Memshack(long generation, string? statusJson = null, string images = "\"memcached_image\":\"memcached:1.6-alpine\",\"mcrouter_image\":\"mcrouter/mcrouter:latest\"") =>
        JsonDocument.Parse($$"""
            {"apiVersion":"mnemo.dev/v1alpha1","kind":"Memshack","metadata":{"name":"m","namespace":"default","generation":{{generation}}},
             "spec":{"num_shards":3{{(images.Length > 0 ? "," + images : "")}}}{{(statusJson is null ? "" : ",\"status\":" + statusJson)}}}
            """).RootElement;

    private static JsonElement Stored(JsonElement memshack, MemshackStatusProjection.Result result, string extraStatus = "")
    {
        string conditions = JsonSerializer.Serialize(result.Conditions.Select(c => c.ToJson()));
        string status = $"{{\"observedGeneration\":{result.ObservedGeneration},\"conditions\":{conditions}{extraStatus}}}";
        long generation = memshack.GetProperty("metadata").GetProperty("generation").GetInt64();
        return Memshack(generation, status);
    }

    [Fact]
    public void First_projection_sets_both_conditions_and_the_observed_generation()
    {
        var result = MemshackStatusProjection.Project(Memshack(4), OneLagging, T0);

        Assert.True(result.Changed);
        Assert.Equal(4, result.ObservedGeneration);
        var ready = Conditions.Find(result.Conditions, "Ready")!;
        Assert.Equal(("False", "ReplicasNotInSync", 4L, T0), (ready.Status, ready.Reason, ready.ObservedGeneration, ready.LastTransitionTime));
        Assert.Contains("2 of 3 shards ready; shard 1: node-2 unreachable", ready.Message);
        var images = Conditions.Find(result.Conditions, "ImagesUnused")!;
        Assert.Equal("True", images.Status);
        Assert.Contains("memcached_image (memcached:1.6-alpine) and mcrouter_image (mcrouter/mcrouter:latest) are accepted for compatibility and not used", images.Message);
        Assert.Equal(["Ready", "ImagesUnused"], result.Flipped.Select(c => c.Type));
    }

    [Fact]
    public void Transition_time_moves_only_when_the_status_flips()
    {
        var first = MemshackStatusProjection.Project(Memshack(1), OneLagging, T0);
        var stillLagging = MemshackStatusProjection.Project(Stored(Memshack(1), first), OneLagging with { Problems = ["shard 1: node-2 resyncing"] }, T0.AddMinutes(1));

        var ready = Conditions.Find(stillLagging.Conditions, "Ready")!;
        Assert.Equal(T0, ready.LastTransitionTime);
        Assert.Contains("node-2 resyncing", ready.Message);
        Assert.True(stillLagging.Changed);
        Assert.Empty(stillLagging.Flipped);

        var nowReady = MemshackStatusProjection.Project(Stored(Memshack(1), stillLagging), AllReady, T0.AddMinutes(2));
        ready = Conditions.Find(nowReady.Conditions, "Ready")!;
        Assert.Equal(("True", T0.AddMinutes(2)), (ready.Status, ready.LastTransitionTime));
        Assert.Equal(T0, Conditions.Find(nowReady.Conditions, "ImagesUnused")!.LastTransitionTime);
        Assert.Equal(["Ready"], nowReady.Flipped.Select(c => c.Type));
    }

    [Fact]
    public void Nothing_to_write_when_state_and_generation_are_unchanged_and_a_new_generation_is_written()
    {
        var first = MemshackStatusProjection.Project(Memshack(2), AllReady, T0);
        var same = MemshackStatusProjection.Project(Stored(Memshack(2), first), AllReady, T0.AddHours(1));
        Assert.False(same.Changed);
        Assert.Empty(same.Flipped);

        // The spec changed (generation 3) while the status still says 2.
        JsonElement stored = Stored(Memshack(2), first);
        JsonElement newer = JsonDocument.Parse(stored.GetRawText().Replace("\"generation\":2", "\"generation\":3")).RootElement;
        var next = MemshackStatusProjection.Project(newer, AllReady, T0.AddHours(1));
        Assert.True(next.Changed);
        Assert.Equal(3, next.ObservedGeneration);
        Assert.All(next.Conditions, c => Assert.Equal(3, c.ObservedGeneration));
        Assert.All(next.Conditions, c => Assert.Equal(T0, c.LastTransitionTime));
    }

    [Fact]
    public void Conditions_of_other_writers_are_kept()
    {
        var other = new ResourceCondition("Snapshotted", "True", "Done", "ok", 1, T0.AddDays(-1));
        var stored = Memshack(1, $"{{\"conditions\":[{JsonSerializer.Serialize(other.ToJson())}]}}");
        var result = MemshackStatusProjection.Project(stored, AllReady, T0);
        Assert.Equal(["Snapshotted", "Ready", "ImagesUnused"], result.Conditions.Select(c => c.Type));
        Assert.Equal(other, result.Conditions[0]);
    }

    [Fact]
    public void Without_image_fields_the_condition_says_none_is_set()
    {
        var result = MemshackStatusProjection.Project(Memshack(1, images: ""), AllReady, T0);
        var images = Conditions.Find(result.Conditions, "ImagesUnused")!;
        Assert.Equal(("True", "NoImages"), (images.Status, images.Reason));
    }

    [Fact]
    public void No_shards_is_not_ready()
    {
        Assert.False(new MemshackReadiness(0, 0, []).Ready);
    }
}
