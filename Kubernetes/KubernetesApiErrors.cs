using System.Net;
using k8s.Autorest;

namespace Mnemo.Kubernetes;

/// <summary>
/// KubernetesClient reports API errors (409, 404, 410 ...) as <see cref="HttpOperationException"/>; these
/// tell the expected ones apart from the ones that should propagate.
/// </summary>
internal static class KubernetesApiErrors
{
    public static bool Is(Exception exception, HttpStatusCode status) =>
        exception is HttpOperationException { Response: { } response } && response.StatusCode == status;

    /// <summary>409: a stale resourceVersion on replace, or AlreadyExists on create.</summary>
    public static bool IsConflict(Exception exception) => Is(exception, HttpStatusCode.Conflict);

    public static bool IsNotFound(Exception exception) => Is(exception, HttpStatusCode.NotFound);
}
