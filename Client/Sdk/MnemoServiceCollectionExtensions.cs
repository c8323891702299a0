using Microsoft.Extensions.DependencyInjection;

namespace Mnemo.Client;

/// <summary>Registers a <see cref="MnemoClient"/> with dependency injection.</summary>
public static class MnemoServiceCollectionExtensions
{
    /// <summary>
    /// Adds one shared <see cref="MnemoClient"/>, its options from the environment (<c>MNEMO_GRPC</c>, <c>MNEMO_GATEWAY</c>,
    /// <c>MNEMO_CLUSTER_ID</c>) and then <paramref name="configure"/>. It connects nothing until its first call; the
    /// container disposes it.
    /// </summary>
    public static IServiceCollection AddMnemoClient(this IServiceCollection services, Action<MnemoClientOptions>? configure = null)
    {
        services.AddSingleton(_ =>
        {
            MnemoClientOptions options = MnemoClientOptions.FromEnvironment();
            configure?.Invoke(options);
            return MnemoClient.Create(options);
        });
        return services;
    }
}
