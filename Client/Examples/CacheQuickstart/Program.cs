using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Mnemo.Client;

// Set, read, count and delete keys of a Memshack through the silos' gRPC API. The endpoints come from
// MNEMO_GRPC (e.g. 127.0.0.1:11151,127.0.0.1:11152,127.0.0.1:11153 for the local cluster); the Memshack
// is the first argument (default: default/sample).
string memshack = args.Length > 0 ? args[0] : "default/sample";

var services = new ServiceCollection();
services.AddMnemoClient(options => options.CacheCallTimeout = TimeSpan.FromSeconds(2));
await using ServiceProvider provider = services.BuildServiceProvider();
MnemoClient mnemo = provider.GetRequiredService<MnemoClient>();

try
{
    ulong cas = await mnemo.SetAsync(memshack, "quickstart:greeting", "hello", ttl: TimeSpan.FromMinutes(5));
    CacheLookup greeting = await mnemo.GetAsync(memshack, "quickstart:greeting");
    Console.WriteLine(greeting.Item is { } item
        ? $"greeting = {Encoding.UTF8.GetString(item.Value)} (cas {item.Cas}, set as {cas})"
        : "greeting: miss");

    await mnemo.SetAsync(memshack, "quickstart:visits", "0");
    Console.WriteLine($"visits = {await mnemo.IncrementAsync(memshack, "quickstart:visits")}");

    IReadOnlyList<CacheItem> both = await mnemo.GetManyAsync(memshack, ["quickstart:greeting", "quickstart:visits", "quickstart:absent"]);
    Console.WriteLine($"found {both.Count} of 3 keys");

    Console.WriteLine($"deleted: {await mnemo.DeleteAsync(memshack, "quickstart:greeting")}");
    return 0;
}
catch (MnemoDeadlineExceededException e)
{
    Console.Error.WriteLine($"too slow: {e.Message}");
    return 1;
}
catch (MnemoApiException e)
{
    Console.Error.WriteLine($"refused ({e.Code}, {e.Reason ?? "no reason"}): {e.Message}");
    return 1;
}
