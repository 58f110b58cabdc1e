using Jiangwanli.Engine.Events;

namespace Jiangwanli.Server.Problems;

/// <summary>Every problem the service answers with. The catalogue is documented in docs/operations.md.</summary>
internal static class ProblemCatalog
{
    public static readonly ProblemType MalformedJson = new("malformed-json", "The body is not a well-formed JSON event", 400);
    public static readonly ProblemType WrongType = new("wrong-type", "A field has the wrong JSON type", 400);
    public static readonly ProblemType MissingField = new("missing-field", "A required field is missing", 400);
    public static readonly ProblemType TooDeep = new("too-deep", "The event nests deeper than allowed", 400);
    public static readonly ProblemType ValueTooLarge = new("value-too-large", "A value is larger than allowed", 400);
    public static readonly ProblemType InvalidValue = new("invalid-value", "A value cannot be used", 400);
    public static readonly ProblemType BodyTooLarge = new("body-too-large", "The request body is larger than allowed", 413);
    public static readonly ProblemType TooManyEvents = new("too-many-events", "The batch holds more events than allowed", 413);
    public static readonly ProblemType UnsupportedMediaType = new("unsupported-media-type", "Unsupported content type", 415);
    public static readonly ProblemType MalformedBatch = new("malformed-batch", "The batch is not a JSON array or NDJSON of events", 400);
    public static readonly ProblemType BadRequest = new("bad-request", "The request could not be read", 400);
    public static readonly ProblemType InvalidHeader = new("invalid-header", "A request header has an invalid value", 400);
    public static readonly ProblemType InvalidPack = new("invalid-pack", "The rule pack was refused", 400);
    public static readonly ProblemType InvalidList = new("invalid-list", "The list entries were refused", 400);
    public static readonly ProblemType ListNotFound = new("list-not-found", "No such list in the active pack", 404);
    public static readonly ProblemType Unauthorized = new("unauthorized", "A bearer token is required", 401);
    public static readonly ProblemType Forbidden = new("forbidden", "The bearer token is not accepted", 403);
    public static readonly ProblemType AuditUnavailable = new("audit-unavailable", "The decision log cannot record decisions", 503);
    public static readonly ProblemType Overloaded = new("overloaded", "The service is overloaded", 503);
    public static readonly ProblemType QueueTimeout = new("queue-timeout", "The request waited too long for admission", 503);
    public static readonly ProblemType MemoryPressure = new("memory", "The service is shedding load to protect its memory", 503);
    public static readonly ProblemType RateLimited = new("rate-limited", "The client is over its request rate", 429);
    public static readonly ProblemType NotReady = new("not-ready", "The service is not ready", 503);
    public static readonly ProblemType Internal = new("internal", "Internal error", 500);
    public static readonly ProblemType InvalidParameter = new("invalid-parameter", "A query parameter or setting is invalid", 400);
    public static readonly ProblemType ProfileBusy = new("profile-busy", "Another profile is running", 409);
    public static readonly ProblemType ProfileFailed = new("profile-failed", "The profile could not be taken", 500);
    public static readonly ProblemType NotFound = new("not-found", "No such resource", 404);

    /// <summary>The problem for an event the engine refused.</summary>
    public static ProblemType For(in EventError error) => error.Code switch
    {
        EventErrorCode.WrongType => WrongType,
        EventErrorCode.MissingField => MissingField,
        EventErrorCode.TooDeep => TooDeep,

        // The whole event over the limit is a 413 like an oversized body; an oversized field value is a 400.
        EventErrorCode.TooLarge => error.Field is null or "$" ? BodyTooLarge : ValueTooLarge,
        EventErrorCode.InvalidValue => InvalidValue,
        _ => MalformedJson,
    };

    /// <summary>The problem for a status code of a Kestrel <c>BadHttpRequestException</c>.</summary>
    public static ProblemType ForStatus(int status) => status switch
    {
        413 => BodyTooLarge,
        415 => UnsupportedMediaType,
        _ => BadRequest,
    };
}
