using k8s;
namespace Mnemo.Kubernetes.Tests;

[Collection(KubeApiCollection.Name)]
public sealed class KubernetesConnectionTests(KubeApiFixture api)
{
    [Fact]
    public async Task A_kubeconfig_gives_its_server_and_context_namespace()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kubeconfig-{Guid.NewGuid():N}");
        try
        {
            api.Server.WriteKubeconfig(path, "team-a");

            using var connection = KubernetesConnection.Create(path);
            using var overridden = KubernetesConnection.Create(path, "team-b");

            Assert.Equal("team-a", connection.Namespace);
            Assert.Equal("team-b", overridden.Namespace);
            Assert.Equal(api.BaseAddress.GetLeftPart(UriPartial.Authority), new Uri(connection.Configuration.Host).GetLeftPart(UriPartial.Authority));

            // It really talks to that server (anonymous, plain HTTP).
            var list = await connection.Client.CustomObjects.ListNamespacedCustomObjectAsync(
                MnemoResources.Group, MnemoResources.Version, KubeApiFixture.Namespace, MnemoResources.SiloPlural);
            Assert.NotNull(list);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void KUBECONFIG_is_searched_for_the_first_existing_file()
    {
        var previous = Environment.GetEnvironmentVariable(KubernetesConnection.KubeconfigVariable);
        try
        {
            var missing = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}");
            Environment.SetEnvironmentVariable(KubernetesConnection.KubeconfigVariable, missing + Path.PathSeparator + api.KubeconfigPath);

            Assert.Equal(api.KubeconfigPath, KubernetesConnection.FindKubeconfig());
            using var connection = KubernetesConnection.Create();
            Assert.Equal(KubeApiFixture.Namespace, connection.Namespace);
        }
        finally
        {
            Environment.SetEnvironmentVariable(KubernetesConnection.KubeconfigVariable, previous);
        }
    }
}
