using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Jiangwanli.Server.Tests.Infrastructure;

/// <summary>
/// Runs a request delegate in-process, without a server, on one reusable <see cref="DefaultHttpContext"/> whose body
/// pipes and headers are reusable test doubles: whatever a call allocates is the handler's (and the engine's) own.
/// </summary>
internal sealed class HandlerHarness
{
    private readonly ReusableBodyReader _body = new();
    private readonly ReusableBodyWriter _output = new();
    private readonly FixedHeaders _requestHeaders = new();
    private readonly FixedHeaders _responseHeaders = new();
    private readonly HttpRequestFeature _request = new();
    private readonly HttpResponseFeature _response = new();
    private readonly ResponseBodyFeature _responseBody;

    public HandlerHarness(IServiceProvider services)
    {
        _responseBody = new ResponseBodyFeature(_output);
        _request.Headers = _requestHeaders;
        _request.Method = "POST";
        _request.Path = "/v1/decisions";
        _response.Headers = _responseHeaders;
        var features = new FeatureCollection();
        features.Set<IHttpRequestFeature>(_request);
        features.Set<IHttpResponseFeature>(_response);
        features.Set<IHttpResponseBodyFeature>(_responseBody);
        features.Set<IRequestBodyPipeFeature>(new RequestBodyPipe(_body));
        Context = new DefaultHttpContext(features) { RequestServices = services };
    }

    public DefaultHttpContext Context { get; }

    public int StatusCode => _response.StatusCode;

    public ReadOnlySpan<byte> ResponseBody => _output.Written;

    public string? ResponseContentType => _responseHeaders["Content-Type"];

    public long? ResponseContentLength => _responseHeaders.ContentLength;

    /// <summary>Prepares the next request: body, content type, content length; clears the response.</summary>
    public void Prepare(ReadOnlyMemory<byte> body, string contentType)
    {
        _body.Reset(body);
        _requestHeaders["Content-Type"] = contentType;
        _requestHeaders.ContentLength = body.Length;
        _response.StatusCode = 200;
        _responseHeaders.Clear();
        _output.Reset();
    }

    private sealed class RequestBodyPipe(PipeReader reader) : IRequestBodyPipeFeature
    {
        public PipeReader Reader { get; } = reader;
    }

    private sealed class ResponseBodyFeature(ReusableBodyWriter writer) : IHttpResponseBodyFeature
    {
        public Stream Stream => throw new NotSupportedException("the handler writes to the pipe");

        public PipeWriter Writer { get; } = writer;

        public Task CompleteAsync() => Task.CompletedTask;

        public void DisableBuffering()
        {
        }

        public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task StartAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;
    }
}
