using System.Reflection;
using Mnemo.Runtime.Invocation;

namespace Mnemo.Runtime.Proxies;

/// <summary>The object behind every grain reference: DispatchProxy turns each interface call into
/// <see cref="Invoke"/>, which looks up the cached method description and hands the call to the
/// invoker. Immutable; <see cref="GrainReferenceExtensions.WithDeadline"/> makes a copy.</summary>
public class GrainProxy : DispatchProxy
{
    private GrainInterfaceDescription _interface = null!;
    private IGrainCallInvoker _invoker = null!;

    public GrainId GrainId { get; private set; }

    /// <summary>Deadline of calls through this reference; null for the invoker's default.</summary>
    public TimeSpan? Deadline { get; private set; }

    internal static TGrainInterface Create<TGrainInterface>(
        GrainId grainId, GrainInterfaceDescription description, IGrainCallInvoker invoker, TimeSpan? deadline)
    {
        object proxy = DispatchProxy.Create(description.InterfaceType, typeof(GrainProxy));
        var grainProxy = (GrainProxy)proxy;
        grainProxy.GrainId = grainId;
        grainProxy._interface = description;
        grainProxy._invoker = invoker;
        grainProxy.Deadline = deadline;
        return (TGrainInterface)proxy;
    }

    internal TGrainInterface WithDeadline<TGrainInterface>(TimeSpan deadline)
    {
        if (deadline <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(deadline), deadline, "a call deadline must be positive");
        }

        return Create<TGrainInterface>(GrainId, _interface, _invoker, deadline);
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        GrainMethodDescription method = _interface.GetMethod(targetMethod!);
        Task<object?> call = _invoker.InvokeAsync(GrainId, method, args ?? [], Deadline);
        if (method.IsOneWay)
        {
            // Nobody awaits the call: observe its failure so it is not reported as unobserved.
            call.ContinueWith(static c => _ = c.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return method.ToReturnValue(TaskAdapters.CompletedNull);
        }

        return method.ToReturnValue(call);
    }

    public override string ToString() => $"{_interface.InterfaceType.Name}({GrainId})";
}
