using Jiangwanli.Cli.Bench;

namespace Jiangwanli.Cli.Tests.Bench;

public sealed class DurationTextTests
{
    [Theory]
    [InlineData("10s", 10_000)]
    [InlineData("10", 10_000)]
    [InlineData("500ms", 500)]
    [InlineData("1.5s", 1_500)]
    [InlineData("2m", 120_000)]
    [InlineData("1min", 60_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData(" 3S ", 3_000)]
    [InlineData("0s", 0)]
    public void TryParse_ValidText_GivesDuration(string text, long expectedMs)
    {
        Assert.True(DurationText.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), duration);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("-1s")]
    [InlineData("10x")]
    [InlineData("ten")]
    [InlineData("1e3s")]
    [InlineData("25h")]
    [InlineData("1.2.3s")]
    public void TryParse_InvalidText_IsRefused(string? text)
    {
        Assert.False(DurationText.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.Zero, duration);
    }

    [Theory]
    [InlineData(10_000, "10s")]
    [InlineData(250, "250ms")]
    [InlineData(1_500, "1500ms")]
    public void Format_Duration_ReadsBack(long ms, string expected)
    {
        var text = DurationText.Format(TimeSpan.FromMilliseconds(ms));
        Assert.Equal(expected, text);
        Assert.True(DurationText.TryParse(text, out var back));
        Assert.Equal(TimeSpan.FromMilliseconds(ms), back);
    }
}
