using Mnemo.GatewayBench;

// GatewayBench: memcaslap against memcached 1.6 and against a Mnemo memcached gateway, same load,
// same run; prints `key value unit` lines and the ratio.
if (args is ["--help"] or ["-h"])
{
    Console.WriteLine("""
        usage:
          GatewayBench [--duration 10] [--rounds 3] [--concurrency 16] [--threads 2] [--value-size 512] [--shards 1]
          GatewayBench cluster [same options] [--capacity-mb 512] [--silo PATH/mnemo-silo.dll]   (3 silos, 3 shards x 2 replicas)
          GatewayBench serve --port P --pool PATH [--capacity-mb 512] [--shards 1]   (the gateway child process)
          GatewayBench flush [--items 1000000] [--concurrency 8] [--value-size 100]   (get latency across a flush_all)
          GatewayBench grpc [--duration 5] [--rounds 3] [--concurrency 16] [--keys 1000] [--value-size 512]   (unary gRPC Get beside memcached get, 3 silos)
        """);
    return 0;
}
return args.Length > 0 && args[0] == "serve" ? await ServeMode.RunAsync(BenchArguments.Parse(args[1..]))
    : args.Length > 0 && args[0] == "flush" ? await FlushMode.RunAsync(BenchArguments.Parse(args[1..]))
    : args.Length > 0 && args[0] == "cluster" ? await ClusterMode.RunAsync(BenchArguments.Parse(args[1..]))
    : args.Length > 0 && args[0] == "grpc" ? await GrpcMode.RunAsync(BenchArguments.Parse(args[1..]))
    : await CompareMode.RunAsync(BenchArguments.Parse(args));
