using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mnemo.KubeApiServer;

/// <summary>What becomes of fields a custom kind's schema does not declare: dropped, dropped with a warning, or refused.</summary>
internal enum FieldValidation { Ignore, Warn, Strict }

/// <summary>
/// How a write is made: <c>dryRun=All</c>, the field manager and force flag of server-side apply, and
/// <c>fieldValidation</c>; <see cref="Warnings"/> collects what the answer's <c>Warning</c> headers say.
/// </summary>
internal sealed record WriteOptions(bool DryRun = false, string? FieldManager = null, bool Force = false, FieldValidation FieldValidation = FieldValidation.Ignore)
{
    public List<string> Warnings { get; } = [];
}

/// <summary>The preconditions of a delete (DeleteOptions.preconditions).</summary>
internal sealed record DeletePreconditions(string? Uid, string? ResourceVersion);

internal enum PatchType { Merge, StrategicMerge, Json, Apply }

/// <summary>A stored object and whether the write created it (201) or changed it (200).</summary>
internal readonly record struct WriteResult(JsonElement Object, bool Created);

/// <summary>The object after a delete and whether it is gone, or still there waiting for its finalizers.</summary>
internal readonly record struct DeleteResult(JsonElement Object, bool Removed);

/// <summary>
/// The API semantics of every kind (Kubernetes' generic registry store and its strategies):
/// system metadata (uid, resourceVersion, creationTimestamp, generation, generateName),
/// optimistic concurrency, the status subresource, finalizers and graceful deletion, namespace
/// existence and termination, CRDs that start and stop serving their kinds, admission and
/// dry-run. Each operation is one <see cref="ObjectStore"/> transaction.
/// </summary>
internal sealed class ResourceStore(ObjectStore store, ResourceRegistry registry, CustomResourceDefinitions crds, IReadOnlyList<IAdmissionPlugin> admission,
    TimeSpan namespaceCleanupDelay)
{
    private const string NameSuffixAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    // Namespaces the real API server never lets go.
    private static readonly HashSet<string> ImmortalNamespaces = new(StringComparer.Ordinal) { "default", "kube-system" };

    // What only the server sets: an update keeps the stored values whatever the body says.
    private static readonly string[] SystemMetadata = ["name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"];

    private static ResourceType Namespaces => BuiltinResources.Namespaces;

    public JsonElement Get(ResourceType type, string @namespace, string name) => Find(type, @namespace, name) ?? throw StatusErrors.NotFound(type, name);

    public JsonElement? Find(ResourceType type, string @namespace, string name) => store.Transact(tx => tx.Get(type.GroupResource, @namespace, name));

    public (List<JsonElement> Items, long Revision) List(ResourceType type, ObjectFilter filter) =>
        store.Transact(tx => (tx.List(type.GroupResource, filter.Namespace).Where(filter.Matches).ToList(), tx.Revision));

    public WatchHub.Watcher Watch(ResourceType type, ObjectFilter filter, long? fromRevision, bool bookmarks) =>
        store.Transact(tx => tx.Watch(type.GroupResource, filter, fromRevision, bookmarks));

    public JsonElement Create(ResourceType type, string @namespace, JsonObject obj, WriteOptions options) =>
        store.Transact(tx => CreateIn(tx, type, @namespace, obj, options));

    /// <summary>Creates the namespace unless it exists.</summary>
    public void EnsureNamespace(string name) => store.Transact(tx =>
    {
        if (tx.Get(Namespaces.GroupResource, "", name) is null)
        {
            CreateIn(tx, Namespaces, "", new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } }, new WriteOptions());
        }
    });

    /// <summary>PUT: replaces the object (or, for <paramref name="subresource"/> "status", its status).</summary>
    public JsonElement Replace(ResourceType type, string @namespace, string name, string? subresource, JsonObject obj, WriteOptions options) =>
        store.Transact(tx =>
        {
            JsonElement live = tx.Get(type.GroupResource, @namespace, name) ?? throw StatusErrors.NotFound(type, name);
            CheckIdentity(type, @namespace, name, obj);
            CheckResourceVersion(type, name, obj, live);
            return UpdateIn(tx, type, live, obj, subresource, options);
        });

    /// <summary>PATCH: all four patch types; server-side apply creates a missing object.</summary>
    public WriteResult Patch(ResourceType type, string @namespace, string name, string? subresource, PatchType patchType, JsonNode patch, WriteOptions options) =>
        store.Transact(tx =>
        {
            JsonElement? live = tx.Get(type.GroupResource, @namespace, name);
            if (patchType == PatchType.Apply)
            {
                return ApplyIn(tx, type, @namespace, name, subresource, live, patch, options);
            }
            if (live is not { } current)
            {
                throw StatusErrors.NotFound(type, name);
            }
            JsonObject result = Json.ToObject(current);
            switch (patchType, patch)
            {
                case (PatchType.Merge, JsonObject merge):
                    MergePatch.Apply(result, merge);
                    break;
                case (PatchType.StrategicMerge, JsonObject strategic):
                    StrategicMergePatch.Apply(type.Kind, result, strategic);
                    break;
                case (PatchType.Json, JsonArray operations):
                    JsonPatch.Apply(result, operations);
                    break;
                case (PatchType.Json, _):
                    throw StatusErrors.BadRequest("a json patch must be a JSON array of operations");
                default:
                    throw StatusErrors.BadRequest("a merge patch must be a JSON object");
            }
            CheckIdentity(type, @namespace, name, result);
            CheckResourceVersion(type, name, result, current);
            return new WriteResult(UpdateIn(tx, type, current, result, subresource, options), false);
        });

    public DeleteResult Delete(ResourceType type, string @namespace, string name, DeletePreconditions? preconditions, WriteOptions options) =>
        store.Transact(tx => DeleteIn(tx, type, @namespace, name, preconditions, options));

    /// <summary>Deletes every object the filter selects; answers with the objects as they were deleted.</summary>
    public List<JsonElement> DeleteCollection(ResourceType type, ObjectFilter filter, WriteOptions options) =>
        store.Transact(tx => tx.List(type.GroupResource, filter.Namespace)
            .Where(filter.Matches)
            .Select(obj => DeleteIn(tx, type, ObjectMeta.Namespace(obj), ObjectMeta.Name(obj), null, options).Object)
            .ToList());

    private JsonElement CreateIn(ObjectStore.Transaction tx, ResourceType type, string @namespace, JsonObject obj, WriteOptions options)
    {
        obj = WithTypeMeta(type, obj);
        JsonObject metadata = ObjectMeta.Metadata(obj);
        if (metadata.GetString("resourceVersion") is { Length: > 0 })
        {
            throw StatusErrors.BadRequest("resourceVersion should not be set on objects to be created");
        }
        if (type.Namespaced)
        {
            if (metadata.GetString("namespace") is { Length: > 0 } given && given != @namespace)
            {
                throw StatusErrors.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }
            metadata["namespace"] = @namespace;
        }
        else
        {
            metadata.Remove("namespace");
        }
        string name = metadata.GetString("name") ?? "";
        if (name.Length == 0)
        {
            string prefix = metadata.GetString("generateName") ?? throw StatusErrors.Invalid(type, "", FieldError.Required("metadata.name", "name or generateName is required"));
            do
            {
                name = prefix + RandomNumberGenerator.GetString(NameSuffixAlphabet, 5);
            }
            while (tx.Get(type.GroupResource, @namespace, name) is not null);
            metadata["name"] = name;
        }
        if (type.Namespaced)
        {
            JsonElement ns = tx.Get(Namespaces.GroupResource, "", @namespace) ?? throw StatusErrors.NotFound(Namespaces, @namespace);
            if (ObjectMeta.IsTerminating(ns))
            {
                throw StatusErrors.Forbidden(type, name, $"unable to create new content in namespace {@namespace} because it is being terminated");
            }
        }
        if (tx.Get(type.GroupResource, @namespace, name) is not null)
        {
            throw StatusErrors.AlreadyExists(type, name);
        }
        metadata["uid"] = Guid.NewGuid().ToString();
        metadata["creationTimestamp"] = ObjectMeta.Timestamp(DateTimeOffset.UtcNow);
        metadata["generation"] = 1;
        metadata.Remove("deletionTimestamp");
        metadata.Remove("deletionGracePeriodSeconds");
        if (type.HasStatus)
        {
            obj.Remove("status"); // status is written through /status only
        }
        Admit(type, AdmissionOperation.Create, obj, null, null, options);
        return Commit(tx, type, obj, options);
    }

    private WriteResult ApplyIn(ObjectStore.Transaction tx, ResourceType type, string @namespace, string name, string? subresource, JsonElement? live, JsonNode patch, WriteOptions options)
    {
        string manager = options.FieldManager is { Length: > 0 } m ? m : throw StatusErrors.BadRequest("PATCH, application/apply-patch+yaml requires fieldManager to be set");
        if (patch is not JsonObject applied)
        {
            throw StatusErrors.BadRequest("an applied configuration must be an object");
        }
        applied = WithTypeMeta(type, applied);
        CheckIdentity(type, @namespace, name, applied);
        if (live is not { } current)
        {
            if (subresource is not null)
            {
                throw StatusErrors.NotFound(type, name);
            }
            ObjectMeta.Metadata(applied).Remove("resourceVersion");
            JsonObject created = ServerSideApply.Apply(type, null, applied, manager, options.Force, null);
            return new WriteResult(CreateIn(tx, type, @namespace, created, options), true);
        }
        CheckResourceVersion(type, name, applied, current);
        JsonObject result = ServerSideApply.Apply(type, current, applied, manager, options.Force, subresource);
        return new WriteResult(UpdateIn(tx, type, current, result, subresource, options), false);
    }

    private JsonElement UpdateIn(ObjectStore.Transaction tx, ResourceType type, JsonElement live, JsonObject obj, string? subresource, WriteOptions options)
    {
        obj = WithTypeMeta(type, obj);
        JsonObject before = Json.ToObject(live);
        JsonObject result;
        if (subresource == "status")
        {
            // A status write changes the status (and the managed fields that track it), nothing else.
            result = Json.ToObject(live);
            if (obj["status"] is { } status)
            {
                result["status"] = status.DeepClone();
            }
            else
            {
                result.Remove("status");
            }
            if (obj["metadata"]?["managedFields"] is { } managedFields)
            {
                ObjectMeta.Metadata(result)["managedFields"] = managedFields.DeepClone();
            }
        }
        else
        {
            result = obj;
            if (type.HasStatus)
            {
                if (before["status"] is { } status)
                {
                    result["status"] = status.DeepClone();
                }
                else
                {
                    result.Remove("status");
                }
            }
            JsonObject metadata = ObjectMeta.Metadata(result);
            JsonObject liveMetadata = ObjectMeta.Metadata(before);
            foreach (string field in SystemMetadata)
            {
                if (liveMetadata[field] is { } value)
                {
                    metadata[field] = value.DeepClone();
                }
                else
                {
                    metadata.Remove(field);
                }
            }
            if (!metadata.ContainsKey("managedFields") && liveMetadata["managedFields"] is { } managedFields)
            {
                metadata["managedFields"] = managedFields.DeepClone();
            }
        }
        Admit(type, AdmissionOperation.Update, result, live, subresource, options);
        // After admission, which may default or drop fields: a change that defaulting undoes is no change.
        if (subresource != "status" && SpecChanged(type, before, result))
        {
            long generation = ObjectMeta.Metadata(before)["generation"] is JsonValue g && g.TryGetValue(out long n) ? n : 0;
            ObjectMeta.Metadata(result)["generation"] = generation + 1;
        }
        ObjectMeta.Metadata(result)["resourceVersion"] = ObjectMeta.ResourceVersion(live);
        if (JsonNode.DeepEquals(result, before))
        {
            return live; // no change: no new resourceVersion, no event (as in Kubernetes)
        }
        if (ObjectMeta.IsTerminating(result) && !ObjectMeta.HasFinalizers(result))
        {
            return Remove(tx, type, ObjectMeta.Namespace(live), ObjectMeta.Name(live), live, options);
        }
        return Commit(tx, type, result, options);
    }

    private DeleteResult DeleteIn(ObjectStore.Transaction tx, ResourceType type, string @namespace, string name, DeletePreconditions? preconditions, WriteOptions options)
    {
        JsonElement live = tx.Get(type.GroupResource, @namespace, name) ?? throw StatusErrors.NotFound(type, name);
        if (preconditions?.Uid is { Length: > 0 } uid && uid != ObjectMeta.Uid(live))
        {
            throw StatusErrors.Conflict(type, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {ObjectMeta.Uid(live)}");
        }
        if (preconditions?.ResourceVersion is { Length: > 0 } rv && rv != ObjectMeta.ResourceVersion(live))
        {
            throw StatusErrors.Conflict(type, name,
                $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {ObjectMeta.ResourceVersion(live)}");
        }
        if (type == Namespaces)
        {
            return DeleteNamespace(tx, live, options);
        }
        if (ObjectMeta.HasFinalizers(live))
        {
            return new DeleteResult(ObjectMeta.IsTerminating(live) ? live : Commit(tx, type, MarkDeleted(live), options), false);
        }
        return new DeleteResult(Remove(tx, type, @namespace, name, live, options), true);
    }

    // A namespace takes its contents with it, as Kubernetes' namespace controller does it: an empty one
    // goes at once; one with objects is Terminating first, and its objects are deleted after
    // NamespaceCleanupDelay (clients may still delete them themselves until then). It stays
    // Terminating until the last object (held by finalizers) is gone.
    private DeleteResult DeleteNamespace(ObjectStore.Transaction tx, JsonElement live, WriteOptions options)
    {
        string name = ObjectMeta.Name(live);
        if (ImmortalNamespaces.Contains(name))
        {
            throw StatusErrors.Forbidden(Namespaces, name, "this namespace may not be deleted");
        }
        if (tx.InNamespace(name).Count == 0 || options.DryRun)
        {
            return new DeleteResult(Remove(tx, Namespaces, "", name, live, options), true);
        }
        if (ObjectMeta.IsTerminating(live))
        {
            return new DeleteResult(live, false);
        }
        JsonObject terminating = MarkDeleted(live);
        terminating.GetOrAddObject("status")["phase"] = "Terminating";
        JsonElement stored = Commit(tx, Namespaces, terminating, options);
        _ = DeleteContentsLaterAsync(name);
        return new DeleteResult(stored, false);
    }

    /// <summary>Deletes the objects of every Terminating namespace (at start-up: a deletion a restart interrupted).</summary>
    public void FinishTerminatingNamespaces()
    {
        foreach (JsonElement ns in List(Namespaces, ObjectFilter.All).Items.Where(ObjectMeta.IsTerminating))
        {
            DeleteContents(ObjectMeta.Name(ns));
        }
    }

    private async Task DeleteContentsLaterAsync(string @namespace)
    {
        await Task.Delay(namespaceCleanupDelay).ConfigureAwait(false);
        try
        {
            DeleteContents(@namespace);
        }
        catch (ObjectDisposedException)
        {
            // The server stopped first; the next start finishes the deletion.
        }
    }

    private void DeleteContents(string @namespace) => store.Transact(tx =>
    {
        foreach (var (groupResource, obj) in tx.InNamespace(@namespace))
        {
            if (registry.FindByGroupResource(groupResource) is { } type && !ObjectMeta.IsTerminating(obj))
            {
                DeleteIn(tx, type, @namespace, ObjectMeta.Name(obj), null, new WriteOptions());
            }
        }
        if (tx.Get(Namespaces.GroupResource, "", @namespace) is { } ns && ObjectMeta.IsTerminating(ns) && tx.InNamespace(@namespace).Count == 0)
        {
            tx.Delete(Namespaces.GroupResource, "", @namespace);
        }
    });

    private static JsonObject MarkDeleted(JsonElement live)
    {
        JsonObject obj = Json.ToObject(live);
        JsonObject metadata = ObjectMeta.Metadata(obj);
        metadata["deletionTimestamp"] = ObjectMeta.Timestamp(DateTimeOffset.UtcNow);
        metadata["deletionGracePeriodSeconds"] = 0;
        return obj;
    }

    /// <summary>Removes an object for good, with what goes with it: a CRD's objects and kinds, an emptied terminating namespace.</summary>
    private JsonElement Remove(ObjectStore.Transaction tx, ResourceType type, string @namespace, string name, JsonElement live, WriteOptions options)
    {
        if (options.DryRun)
        {
            return live;
        }
        if (type == BuiltinResources.CustomResourceDefinitions)
        {
            // The storage key of a CRD's kind is the CRD's name (plural.group).
            foreach (JsonElement obj in tx.List(name, null))
            {
                tx.Delete(name, ObjectMeta.Namespace(obj), ObjectMeta.Name(obj));
            }
        }
        JsonElement deleted = tx.Delete(type.GroupResource, @namespace, name);
        if (type == BuiltinResources.CustomResourceDefinitions)
        {
            crds.StopServing(name);
        }
        if (type.Namespaced && tx.Get(Namespaces.GroupResource, "", @namespace) is { } ns && ObjectMeta.IsTerminating(ns) && tx.InNamespace(@namespace).Count == 0)
        {
            tx.Delete(Namespaces.GroupResource, "", @namespace);
        }
        return deleted;
    }

    private JsonElement Commit(ObjectStore.Transaction tx, ResourceType type, JsonObject obj, WriteOptions options)
    {
        if (options.DryRun)
        {
            return Json.ToElement(obj);
        }
        JsonElement stored = tx.Put(type.GroupResource, obj);
        if (type == BuiltinResources.CustomResourceDefinitions)
        {
            crds.Serve(stored);
        }
        return stored;
    }

    private void Admit(ResourceType type, AdmissionOperation operation, JsonObject obj, JsonElement? old, string? subresource, WriteOptions options)
    {
        var request = new AdmissionRequest(type, operation, obj, old, subresource, options);
        foreach (IAdmissionPlugin plugin in admission)
        {
            plugin.Admit(request);
        }
    }

    /// <summary>Fills in apiVersion and kind (first, where kubectl puts them) and rejects a body of another kind.</summary>
    private JsonObject WithTypeMeta(ResourceType type, JsonObject obj)
    {
        string? apiVersion = obj.GetString("apiVersion");
        string? kind = obj.GetString("kind");
        // Another served version of the same kind is the same object (there is no conversion to do).
        if (apiVersion is not null && apiVersion != type.GroupVersion && registry.FindKind(apiVersion, type.Kind)?.GroupResource != type.GroupResource)
        {
            throw StatusErrors.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({type.GroupVersion})");
        }
        if (kind is not null && kind != type.Kind)
        {
            throw StatusErrors.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({type.Kind})");
        }
        if (apiVersion == type.GroupVersion && kind is not null)
        {
            return obj;
        }
        var result = new JsonObject { ["apiVersion"] = type.GroupVersion, ["kind"] = type.Kind };
        foreach (var (key, value) in obj.ToList())
        {
            if (key is not ("apiVersion" or "kind"))
            {
                obj.Remove(key);
                result[key] = value;
            }
        }
        return result;
    }

    private static void CheckIdentity(ResourceType type, string @namespace, string name, JsonObject obj)
    {
        JsonObject metadata = ObjectMeta.Metadata(obj);
        string given = metadata.GetString("name") ?? "";
        if (given.Length > 0 && given != name)
        {
            throw StatusErrors.BadRequest($"the name of the object ({given}) does not match the name on the URL ({name})");
        }
        metadata["name"] = name;
        if (type.Namespaced)
        {
            if (metadata.GetString("namespace") is { Length: > 0 } ns && ns != @namespace)
            {
                throw StatusErrors.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }
            metadata["namespace"] = @namespace;
        }
    }

    // An update that names a resourceVersion must name the stored one; without one it is unconditional.
    private static void CheckResourceVersion(ResourceType type, string name, JsonObject obj, JsonElement live)
    {
        string? wanted = obj["metadata"]?["resourceVersion"] is JsonValue value
            ? value.TryGetValue(out string? text) ? text : value.ToJsonString()
            : null;
        if (wanted is { Length: > 0 } && wanted != ObjectMeta.ResourceVersion(live))
        {
            throw StatusErrors.Conflict(type, name, StatusErrors.ObjectModified);
        }
    }

    // Generation counts changes of the desired state: everything but metadata, and but status when it is a subresource.
    private static bool SpecChanged(ResourceType type, JsonObject before, JsonObject after)
    {
        IEnumerable<string> keys = before.Select(p => p.Key).Union(after.Select(p => p.Key))
            .Where(key => key != "metadata" && !(type.HasStatus && key == "status"));
        return keys.Any(key => !JsonNode.DeepEquals(before[key], after[key]));
    }
}
