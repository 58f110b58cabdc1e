using System.Text;
using CsCheck;
using Jiangwanli.Server.Decisions;
using Jiangwanli.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Jiangwanli.Server.Tests.Decisions;

/// <summary>
/// Whatever bytes a client sends, the handlers answer 200, 400 or 413 — never 500 — and log no error. Runs the
/// handlers in-process (fast, many cases); the end-to-end suite repeats this over HTTP against the real process.
/// </summary>
public sealed class RobustnessTests : IClassFixture<SmallPackServer>
{
    private static readonly byte[] s_valid = Encoding.UTF8.GetBytes(
        """{"id":"r-1","timestamp":1764150000000,"user":"rob","ip":"203.0.113.9","amount":12.5,"extra":{"a":[1,2,{"b":null}]}}""");

    private readonly InProcessServer _server;

    public RobustnessTests(SmallPackServer fixture) => _server = fixture.Server;

    private static Gen<byte[]> Mutations => Gen.OneOf(
        Gen.Int[0, s_valid.Length].Select(cut => s_valid[..cut]),
        Gen.Int[0, s_valid.Length - 1].Select(Gen.Byte, (at, value) =>
        {
            var copy = (byte[])s_valid.Clone();
            copy[at] = value;
            return copy;
        }),
        Gen.Int[1, 200].Select(depth => Encoding.UTF8.GetBytes("{\"user\":\"rob\",\"amount\":1,\"x\":" + new string('[', depth) + new string(']', depth) + "}")),
        Gen.OneOf(Gen.Const("1e400"), Gen.Const("-1e400"), Gen.Const("123456789012345678901234567890"), Gen.Const("\"12\""), Gen.Const("true"), Gen.Const("[]"), Gen.Const("{}"), Gen.Const("null"))
            .Select(value => Encoding.UTF8.GetBytes("{\"user\":\"rob\",\"amount\":" + value + "}")),
        Gen.Int[0, 100_000].Select(length => Encoding.UTF8.GetBytes("{\"user\":\"" + new string('u', length) + "\",\"amount\":1}")),
        Gen.Byte.Array[0, 64]);

    [Fact]
    public void Handlers_MutatedBodies_NeverAnswer5xxOrLogAnError()
    {
        var single = _server.Host.Services.GetRequiredService<DecisionEndpoint>();
        var batch = _server.Host.Services.GetRequiredService<BatchDecisionEndpoint>();
        var harness = new HandlerHarness(_server.Host.Services);

        Mutations.Sample(
            body =>
            {
                harness.Prepare(body, "application/json");
                single.HandleAsync(harness.Context).GetAwaiter().GetResult();
                var singleStatus = harness.StatusCode;
                harness.Prepare(body, "application/x-ndjson");
                batch.HandleAsync(harness.Context).GetAwaiter().GetResult();
                var batchStatus = harness.StatusCode;
                var ok = singleStatus is 200 or 400 or 413 && batchStatus is 200 or 400 or 413;
                if (!ok)
                {
                    throw new InvalidOperationException($"single {singleStatus}, batch {batchStatus}: {Encoding.UTF8.GetString(harness.ResponseBody)}");
                }

                return ok;
            },
            iter: 3000,
            threads: 1); // one HttpContext double, reused: sequential

        Assert.Empty(_server.LoggedErrors);
    }
}
