namespace Mnemo.Runtime.Invocation;

/// <summary>Converts between a grain method's own awaitable and the untyped <c>Task&lt;object?&gt;</c>
/// the runtime moves around. Completed tasks convert without an async state machine.</summary>
internal static class TaskAdapters
{
    public static readonly Task<object?> CompletedNull = Task.FromResult<object?>(null);

    // Grain awaitable → untyped.
    public static Task<object?> FromTask(Task task) =>
        task.IsCompletedSuccessfully ? CompletedNull : AwaitTask(task);

    public static Task<object?> FromTaskOf<T>(Task<T> task) =>
        task.IsCompletedSuccessfully ? Task.FromResult<object?>(task.Result) : AwaitTaskOf(task);

    public static Task<object?> FromValueTask(ValueTask task) =>
        task.IsCompletedSuccessfully ? CompletedNull : AwaitTask(task.AsTask());

    public static Task<object?> FromValueTaskOf<T>(ValueTask<T> task) =>
        task.IsCompletedSuccessfully ? Task.FromResult<object?>(task.Result) : AwaitTaskOf(task.AsTask());

    // Untyped → the awaitable a proxy method must return (boxed, as DispatchProxy requires).
    public static object ToTask(Task<object?> task) => task;

    public static object ToTaskOf<T>(Task<object?> task) => CastTask<T>(task);

    public static object ToValueTask(Task<object?> task) =>
        task.IsCompletedSuccessfully ? default(ValueTask) : new ValueTask(task);

    public static object ToValueTaskOf<T>(Task<object?> task) =>
        task.IsCompletedSuccessfully ? new ValueTask<T>((T)task.Result!) : new ValueTask<T>(AwaitCast<T>(task));

    private static Task<T> CastTask<T>(Task<object?> task) =>
        task.IsCompletedSuccessfully ? Task.FromResult((T)task.Result!) : AwaitCast<T>(task);

    private static async Task<object?> AwaitTask(Task task)
    {
        await task.ConfigureAwait(false);
        return null;
    }

    private static async Task<object?> AwaitTaskOf<T>(Task<T> task) => await task.ConfigureAwait(false);

    private static async Task<T> AwaitCast<T>(Task<object?> task) => (T)(await task.ConfigureAwait(false))!;
}
