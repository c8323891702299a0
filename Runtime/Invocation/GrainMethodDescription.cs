using System.Linq.Expressions;
using System.Reflection;
using Mnemo.Runtime.Serialization;

namespace Mnemo.Runtime.Invocation;

/// <summary>Everything the runtime needs to know about one grain interface method, computed once:
/// its wire name, argument and result codecs, interleaving flags, a compiled delegate that calls it on
/// a grain object, and a converter from the runtime's untyped task to the method's return type.</summary>
public sealed class GrainMethodDescription
{
    private readonly Func<object, object?[], Task<object?>> _invoke;
    private readonly Func<Task<object?>, object> _toReturnValue;

    internal GrainMethodDescription(MethodInfo method)
    {
        Method = method;
        InterfaceName = method.DeclaringType!.FullName!;
        Name = method.Name;
        IsAlwaysInterleave = method.IsDefined(typeof(AlwaysInterleaveAttribute));
        IsReadOnly = method.IsDefined(typeof(ReadOnlyAttribute));

        ParameterInfo[] parameters = method.GetParameters();
        ParameterCount = parameters.Length;
        var argumentCodecs = new ValueCodec?[parameters.Length];
        CancellationTokenIndex = -1;
        for (int i = 0; i < parameters.Length; i++)
        {
            ParameterInfo parameter = parameters[i];
            if (parameter.ParameterType.IsByRef || parameter.IsOut)
            {
                throw Unsupported($"parameter '{parameter.Name}' is passed by reference");
            }

            if (parameter.ParameterType == typeof(CancellationToken))
            {
                if (CancellationTokenIndex >= 0)
                {
                    throw Unsupported("more than one CancellationToken parameter");
                }

                CancellationTokenIndex = i;
                continue;
            }

            argumentCodecs[i] = CodecFor(parameter.ParameterType, $"parameter '{parameter.Name}'");
        }

        ArgumentCodecs = argumentCodecs;
        (ReturnKind, ResultType) = ClassifyReturn(method.ReturnType);
        IsOneWay = method.IsDefined(typeof(OneWayAttribute));
        if (IsOneWay && ResultType is not null)
        {
            throw Unsupported("[OneWay] methods return Task or ValueTask: there is no result to wait for");
        }

        ResultCodec = ResultType is null ? null : CodecFor(ResultType, "result");
        _invoke = CompileInvoke(method, parameters, ReturnKind, ResultType);
        _toReturnValue = CreateReturnConverter(ReturnKind, ResultType);
    }

    public MethodInfo Method { get; }

    /// <summary>Full name of the declaring grain interface (<c>GrainRequest.interface_name</c>).</summary>
    public string InterfaceName { get; }

    /// <summary>The method name (<c>GrainRequest.method</c>); grain interfaces have no overloads.</summary>
    public string Name { get; }

    public bool IsAlwaysInterleave { get; }

    public bool IsReadOnly { get; }

    /// <summary>The caller does not wait for the grain (<see cref="OneWayAttribute"/>).</summary>
    public bool IsOneWay { get; }

    public int ParameterCount { get; }

    /// <summary>One codec per parameter; null at <see cref="CancellationTokenIndex"/>, which is never sent.</summary>
    public IReadOnlyList<ValueCodec?> ArgumentCodecs { get; }

    /// <summary>Index of the CancellationToken parameter, or -1. The caller's token cancels the call;
    /// the callee receives a token that fires on the caller's cancellation or the deadline.</summary>
    public int CancellationTokenIndex { get; }

    public GrainReturnKind ReturnKind { get; }

    /// <summary>T of Task&lt;T&gt;/ValueTask&lt;T&gt;, or null.</summary>
    public Type? ResultType { get; }

    public ValueCodec? ResultCodec { get; }

    /// <summary>Calls the method on <paramref name="grain"/>. Exceptions (also synchronous ones) come
    /// back as a faulted task.</summary>
    public Task<object?> InvokeAsync(object grain, object?[] arguments)
    {
        try
        {
            return _invoke(grain, arguments);
        }
        catch (Exception e)
        {
            return Task.FromException<object?>(e);
        }
    }

    /// <summary>The value a proxy returns for this method, completing with <paramref name="call"/>.</summary>
    public object ToReturnValue(Task<object?> call) => _toReturnValue(call);

    public override string ToString() => $"{InterfaceName}.{Name}";

    private ValueCodec CodecFor(Type type, string what)
    {
        try
        {
            return ValueCodecs.For(type);
        }
        catch (NotSupportedException e)
        {
            throw Unsupported($"{what}: {e.Message}");
        }
    }

    private NotSupportedException Unsupported(string reason) =>
        new($"grain method {Method.DeclaringType!.FullName}.{Method.Name} is not supported: {reason}");

    private (GrainReturnKind, Type?) ClassifyReturn(Type returnType)
    {
        if (returnType == typeof(Task))
        {
            return (GrainReturnKind.Task, null);
        }

        if (returnType == typeof(ValueTask))
        {
            return (GrainReturnKind.ValueTask, null);
        }

        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            return (GrainReturnKind.TaskOfResult, returnType.GetGenericArguments()[0]);
        }

        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            return (GrainReturnKind.ValueTaskOfResult, returnType.GetGenericArguments()[0]);
        }

        throw Unsupported($"it returns {returnType.Name}; grain methods return Task, Task<T>, ValueTask or ValueTask<T>");
    }

    private static Func<object, object?[], Task<object?>> CompileInvoke(
        MethodInfo method, ParameterInfo[] parameters, GrainReturnKind kind, Type? resultType)
    {
        ParameterExpression grain = Expression.Parameter(typeof(object), "grain");
        ParameterExpression arguments = Expression.Parameter(typeof(object?[]), "arguments");
        Expression[] typedArguments = parameters
            .Select((p, i) => (Expression)Expression.Convert(Expression.ArrayIndex(arguments, Expression.Constant(i)), p.ParameterType))
            .ToArray();
        Expression call = Expression.Call(Expression.Convert(grain, method.DeclaringType!), method, typedArguments);
        MethodInfo adapter = kind switch
        {
            GrainReturnKind.Task => Adapter(nameof(TaskAdapters.FromTask)),
            GrainReturnKind.ValueTask => Adapter(nameof(TaskAdapters.FromValueTask)),
            GrainReturnKind.TaskOfResult => Adapter(nameof(TaskAdapters.FromTaskOf)).MakeGenericMethod(resultType!),
            _ => Adapter(nameof(TaskAdapters.FromValueTaskOf)).MakeGenericMethod(resultType!),
        };
        return Expression.Lambda<Func<object, object?[], Task<object?>>>(Expression.Call(adapter, call), grain, arguments).Compile();
    }

    private static Func<Task<object?>, object> CreateReturnConverter(GrainReturnKind kind, Type? resultType)
    {
        MethodInfo converter = kind switch
        {
            GrainReturnKind.Task => Adapter(nameof(TaskAdapters.ToTask)),
            GrainReturnKind.ValueTask => Adapter(nameof(TaskAdapters.ToValueTask)),
            GrainReturnKind.TaskOfResult => Adapter(nameof(TaskAdapters.ToTaskOf)).MakeGenericMethod(resultType!),
            _ => Adapter(nameof(TaskAdapters.ToValueTaskOf)).MakeGenericMethod(resultType!),
        };
        return converter.CreateDelegate<Func<Task<object?>, object>>();
    }

    private static MethodInfo Adapter(string name) =>
        typeof(TaskAdapters).GetMethod(name, BindingFlags.Public | BindingFlags.Static)!;
}
