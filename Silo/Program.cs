using Mnemo.NativeEngine;
using Mnemo.Silo.Hosting;

// mnemo-silo [--node-name N --silo-port P ...]   one silo (settings also from MNEMO_* variables)
// mnemo-silo dev-cluster [--nodes 3] [--state .state/dev] [--base-port 11111] [--pool-capacity 256MiB] [--manifests k8s/samples]
try
{
    if (args.Length > 0 && args[0] == "dev-cluster")
        return await DevCluster.RunAsync(args[1..]);

    var app = SiloHost.Build(SiloConfiguration.Read(args));
    await app.RunAsync();
    return 0;
}
catch (Exception e) when (e is ArgumentException or FormatException or SiloConfigurationException)
{
    Console.Error.WriteLine($"mnemo-silo: {e.Message}");
    return 2;
}
catch (EngineException e)
{
    Console.Error.WriteLine($"mnemo-silo: cannot open the memory pool: {e.Message}");
    return 1;
}
catch (IOException e)
{
    // Kestrel reports a port already in use this way.
    Console.Error.WriteLine($"mnemo-silo: {e.Message}");
    return 1;
}
