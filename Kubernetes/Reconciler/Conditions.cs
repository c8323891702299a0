namespace Mnemo.Kubernetes.Reconciler;

/// <summary>apimachinery's <c>meta.SetStatusCondition</c>: a condition's transition time moves only when its status flips.</summary>
public static class Conditions
{
    /// <summary>
    /// <paramref name="conditions"/> with <paramref name="desired"/> set: added (transition time <paramref name="now"/>) when its
    /// type is new; with its status changed, everything replaced and the transition time <paramref name="now"/>; otherwise reason,
    /// message and observed generation updated and the transition time kept. Other types are kept in their order.
    /// </summary>
    public static IReadOnlyList<ResourceCondition> Set(IReadOnlyList<ResourceCondition> conditions, ResourceCondition desired, DateTimeOffset now)
    {
        var result = new List<ResourceCondition>(conditions.Count + 1);
        bool found = false;
        foreach (ResourceCondition existing in conditions)
        {
            if (existing.Type != desired.Type)
            {
                result.Add(existing);
                continue;
            }
            found = true;
            result.Add(desired with { LastTransitionTime = existing.Status == desired.Status ? existing.LastTransitionTime : now });
        }
        if (!found)
            result.Add(desired with { LastTransitionTime = now });
        return result;
    }

    public static ResourceCondition? Find(IReadOnlyList<ResourceCondition> conditions, string type) =>
        conditions.FirstOrDefault(c => c.Type == type);
}
