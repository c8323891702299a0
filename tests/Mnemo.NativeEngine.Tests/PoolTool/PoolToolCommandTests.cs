using System.Text.Json;
using Mnemo.NativeEngine;
using Mnemo.PoolTool;

namespace Mnemo.NativeEngine.Tests;

public sealed class PoolToolCommandTests : IDisposable
{
    private readonly TempPool _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exitCode = PoolToolCommand.Run(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    [Fact]
    public void Info_creates_a_pool_and_reports_it_as_json()
    {
        var (exitCode, output, error) = Run("info", "--path", _scratch.PoolPath, "--capacity", "64Mi", "--create", "-o", "json");

        Assert.True(exitCode == 0, error);
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement root = json.RootElement;
        Assert.Equal(_scratch.PoolPath, root.GetProperty("path").GetString());
        Assert.Equal("emulation", root.GetProperty("mode").GetString());
        Assert.Equal(64UL << 20, root.GetProperty("capacity").GetUInt64());
        Assert.Equal(0UL, root.GetProperty("items").GetUInt64());
        Assert.Equal(0, root.GetProperty("regions").GetArrayLength());
        Assert.True(File.Exists(_scratch.PoolPath));
    }

    [Fact]
    public void Json_lists_regions_with_items_snapshots_and_slab_classes()
    {
        using (EnginePool pool = _scratch.Open())
        {
            Region users = pool.CreateRegion("users");
            pool.CreateRegion("empty");
            for (int i = 0; i < 25; i++)
            {
                pool.Set(users, $"user:{i}", new string('x', 200));
            }
            pool.CreateSnapshot(users);
        }

        var (exitCode, output, error) = Run("info", "--path", _scratch.PoolPath, "-o", "json");

        Assert.True(exitCode == 0, error);
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement root = json.RootElement;
        Assert.Equal(25UL, root.GetProperty("items").GetUInt64());
        Assert.Equal(1UL, root.GetProperty("snapshots").GetUInt64());

        var regions = root.GetProperty("regions").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);
        Assert.Equal(["empty", "users"], regions.Keys.Order());
        Assert.Equal(25UL, regions["users"].GetProperty("items").GetUInt64());
        Assert.Equal(1UL, regions["users"].GetProperty("snapshots").GetUInt64());
        Assert.True(regions["users"].GetProperty("item_bytes").GetUInt64() >= 25 * 200);
        Assert.Equal(0UL, regions["empty"].GetProperty("items").GetUInt64());

        JsonElement slabs = root.GetProperty("slab_classes");
        Assert.True(slabs.GetArrayLength() > 0);
        Assert.Equal(25UL, slabs.EnumerateArray().Aggregate(0UL, (sum, s) => sum + s.GetProperty("chunks_used").GetUInt64()));
    }

    [Fact]
    public void Table_output_shows_summary_regions_and_slab_classes()
    {
        using (EnginePool pool = _scratch.Open())
        {
            pool.Set(pool.CreateRegion("sessions"), "k", "v");
        }

        var (exitCode, output, error) = Run("info", "--path", _scratch.PoolPath);

        Assert.True(exitCode == 0, error);
        Assert.Contains("Mnemo pool", output);
        Assert.Contains("64 MiB", output);
        Assert.Contains("Regions", output);
        Assert.Contains("sessions", output);
        Assert.Contains("Slab classes", output);
        Assert.DoesNotContain("\u001b[", output);
    }

    [Theory]
    [InlineData("--capacity", "lots")]
    [InlineData("--capacity", "1.5")]
    [InlineData("--capacity", "256MiB")]
    [InlineData("--capacity", "-1Gi")]
    [InlineData("--capacity", "0")]
    [InlineData("--mode", "tape")]
    [InlineData("-o", "xml")]
    public void Bad_values_exit_with_2_and_name_the_problem(string option, string value)
    {
        var (exitCode, output, error) = Run("info", "--path", _scratch.PoolPath, "--create", option, value);

        Assert.Equal(PoolToolCommand.ExitUsage, exitCode);
        Assert.Contains(value, error);
        Assert.Equal("", output);
        Assert.False(File.Exists(_scratch.PoolPath));
    }

    [Fact]
    public void Missing_path_exits_with_2()
    {
        var (exitCode, _, error) = Run("info");
        Assert.Equal(PoolToolCommand.ExitUsage, exitCode);
        Assert.Contains("--path", error);
    }

    [Fact]
    public void Missing_pool_without_create_exits_with_1_and_suggests_create()
    {
        var (exitCode, output, error) = Run("info", "--path", _scratch.PoolPath);

        Assert.Equal(PoolToolCommand.ExitEngineError, exitCode);
        Assert.Contains(_scratch.PoolPath, error);
        Assert.Contains("--create", error);
        Assert.Equal("", output);
        Assert.False(File.Exists(_scratch.PoolPath));
    }
}
