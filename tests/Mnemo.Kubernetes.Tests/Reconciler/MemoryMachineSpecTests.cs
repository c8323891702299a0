using Microsoft.Extensions.Logging;
using System.Text.Json;
using Mnemo.Grains.Interfaces;
using Mnemo.Kubernetes.Reconciler;

namespace Mnemo.Kubernetes.Tests;

/// <summary>The MemoryMachine fields the reconciler acts on: capacity as a quantity, bytes or a percentage, the node selector and
/// the device mode, the pool path, the log level and the labels, with their defaults; a capacity that is neither is an error naming the field.</summary>
public sealed class MemoryMachineSpecTests
{
    [Theory]
    [InlineData("\"256Mi\"", 268435456L, null)]
    [InlineData("\"1.5Gi\"", 1610612736L, null)]
    [InlineData("\"500M\"", 500000000L, null)]
    [InlineData("1048576", 1048576L, null)]
    [InlineData("\"50%\"", null, 50)]
    [InlineData("\"100%\"", null, 100)]
    public void Capacity_is_a_quantity_bytes_or_a_percentage(string capacity, long? bytes, int? percent)
    {
        MemoryMachineSpec spec = MemoryMachineSpec.Parse(Machine($$"""{"capacity": {{capacity}}, "deviceMode": "emulation"}"""));
        Assert.Equal(new NodePoolTarget(bytes, percent, "emulation", null, "Information"), spec.Target);
    }

    [Fact]
    public void Omitted_fields_take_the_CRD_defaults()
    {
        MemoryMachineSpec spec = MemoryMachineSpec.Parse(Machine("{}"));
        Assert.Equal(new NodePoolTarget(null, 100, "fsdax", null, "Information"), spec.Target);
        Assert.Equal("storage=pmem", spec.LabelSelector);
        Assert.Empty(spec.Labels);
    }

    [Theory]
    [InlineData("Trace", LogLevel.Trace)]
    [InlineData("Debug", LogLevel.Debug)]
    [InlineData("Information", LogLevel.Information)]
    [InlineData("Warning", LogLevel.Warning)]
    [InlineData("Error", LogLevel.Error)]
    [InlineData("Critical", LogLevel.Critical)]
    public void Each_log_level_is_carried_as_the_name_of_the_silos_level(string logLevel, LogLevel level)
    {
        MemoryMachineSpec spec = MemoryMachineSpec.Parse(Machine($$"""{"logLevel": "{{logLevel}}"}"""));
        Assert.Equal(level, Enum.Parse<LogLevel>(spec.Target.LogLevel!));
    }

    [Theory]
    [InlineData("None")]
    [InlineData("debug")]
    [InlineData("3")]
    public void A_log_level_that_is_not_a_level_name_is_an_error_naming_the_field(string logLevel)
    {
        var error = Assert.Throws<FormatException>(() => MemoryMachineSpec.Parse(Machine($$"""{"logLevel": "{{logLevel}}"}""")));
        Assert.Equal($"spec.logLevel must be one of Trace, Debug, Information, Warning, Error, Critical, not '{logLevel}'", error.Message);
    }

    [Fact]
    public void Pool_path_and_labels_are_read_and_a_relative_path_is_an_error()
    {
        MemoryMachineSpec spec = MemoryMachineSpec.Parse(Machine("""{"poolPath": "/mnt/pmem1/mnemo", "labels": {"team": "cache"}}"""));
        Assert.Equal("/mnt/pmem1/mnemo", spec.Target.PoolPath);
        Assert.Equal(new Dictionary<string, string> { ["team"] = "cache" }, spec.Labels);

        var error = Assert.Throws<FormatException>(() => MemoryMachineSpec.Parse(Machine("""{"poolPath": "pmem"}""")));
        Assert.Equal("spec.poolPath must be an absolute path, not 'pmem'", error.Message);
    }

    [Fact]
    public void The_node_selector_becomes_a_label_selector()
    {
        MemoryMachineSpec spec = MemoryMachineSpec.Parse(Machine("""{"nodeSelector": {"zone": "a", "storage": "pmem"}}"""));
        Assert.Equal("storage=pmem,zone=a", spec.LabelSelector);
    }

    [Theory]
    [InlineData("\"lots\"", "spec.capacity 'lots'")]
    [InlineData("\"0%\"", "1% to 100%")]
    [InlineData("\"150%\"", "1% to 100%")]
    [InlineData("-5", "spec.capacity must be")]
    public void A_capacity_that_is_neither_is_an_error_naming_the_field(string capacity, string message)
    {
        var error = Assert.Throws<FormatException>(() => MemoryMachineSpec.Parse(Machine($$"""{"capacity": {{capacity}}}""")));
        Assert.Contains(message, error.Message);
    }

    private static JsonElement Machine(string spec) =>
        JsonDocument.Parse($$"""{"metadata": {"name": "m", "namespace": "default"}, "spec": {{spec}}}""").RootElement.Clone();
}
