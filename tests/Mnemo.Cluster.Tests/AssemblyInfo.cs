using Xunit;

// The cluster tests start several silo processes each; running them one at a time keeps a loaded
// 2-core machine from starving probes into false suspicions.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
