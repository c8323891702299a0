namespace Mnemo.Runtime.Invocation;

/// <summary>The awaitable a grain method returns.</summary>
public enum GrainReturnKind
{
    Task,
    TaskOfResult,
    ValueTask,
    ValueTaskOfResult,
}
