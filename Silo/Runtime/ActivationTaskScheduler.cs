namespace Mnemo.Silo.Runtime;

/// <summary>Runs one activation's work items one at a time, in order, on the thread pool. Grain code
/// started on it resumes on it after every await (the scheduler is TaskScheduler.Current there), so even
/// interleaved requests never run grain code in parallel: a turn is the code between two awaits.</summary>
internal sealed class ActivationTaskScheduler : TaskScheduler, IThreadPoolWorkItem
{
    // Bound a drain so a busy activation cannot hold a pool thread forever.
    private const int MaxTasksPerDrain = 64;

    private readonly Queue<Task> _queue = new();
    private readonly Lock _lock = new();
    private bool _draining;

    public override int MaximumConcurrencyLevel => 1;

    protected override void QueueTask(Task task)
    {
        lock (_lock)
        {
            _queue.Enqueue(task);
            if (_draining)
            {
                return;
            }

            _draining = true;
        }

        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
    }

    // Never inline: running a task on the caller's thread could overlap with the current turn.
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;

    protected override IEnumerable<Task> GetScheduledTasks()
    {
        lock (_lock)
        {
            return _queue.ToArray();
        }
    }

    void IThreadPoolWorkItem.Execute()
    {
        for (int executed = 0; ; executed++)
        {
            Task? task;
            lock (_lock)
            {
                if (executed == MaxTasksPerDrain && _queue.Count > 0)
                {
                    break;
                }

                if (!_queue.TryDequeue(out task))
                {
                    _draining = false;
                    return;
                }
            }

            TryExecuteTask(task);
        }

        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }
}
