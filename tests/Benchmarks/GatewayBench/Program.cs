using Mnemo.GatewayBench;

// GatewayBench: memcaslap against memcached 1.6 and against the Mnemo memcached gateway, same load,
// same run; prints `key value unit` lines and the ratio.
//   GatewayBench [--duration 10] [--rounds 3] [--concurrency 16] [--threads 2] [--value-size 512] [--shards 1]
//   GatewayBench serve --port P --pool PATH [--capacity-mb 512] [--shards 1]   (the gateway child process)
return args.Length > 0 && args[0] == "serve"
    ? await ServeMode.RunAsync(BenchArguments.Parse(args[1..]))
    : await CompareMode.RunAsync(BenchArguments.Parse(args));
