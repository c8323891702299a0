using Mnemo.NativeEngine;
using Mnemo.Silo;

// mnemo-silo [options]               one silo (settings also from MNEMO_* variables); --help lists them
// mnemo-silo dev-cluster [options]   the local cluster: the embedded Kubernetes API and N silos
try
{
    if (args.Length > 0 && args[0] == "dev-cluster")
        return await DevCluster.RunAsync(args[1..]);
    if (args is ["--help"] or ["-h"])
    {
        Console.Write(SiloConfiguration.Help());
        return 0;
    }

    var app = SiloHost.Build(SiloConfiguration.Read(args));
    await app.RunAsync();
    return 0;
}
catch (Exception e) when (e is ArgumentException or FormatException or SiloConfigurationException or k8s.Exceptions.KubeConfigException)
{
    Console.Error.WriteLine($"mnemo-silo: {e.Message}");
    return 2;
}
catch (PortInUseException e)
{
    Console.Error.WriteLine($"mnemo-silo: {e.Message}");
    return 1;
}
catch (EngineException e)
{
    Console.Error.WriteLine($"mnemo-silo: cannot open the memory pool: {e.Message}");
    return 1;
}
catch (HttpRequestException e)
{
    Console.Error.WriteLine($"mnemo-silo: cannot reach the Kubernetes API: {e.Message}");
    return 1;
}
