using System.Net.Sockets;
using System.Text;
using WebDemo.TestSupport;

namespace WebDemo.Tests.Api;

/// <summary>A client that stops sending its body part-way, on real Kestrel: its failure, answered in words, not a server error in the log.</summary>
public sealed class ClientAbortTests : IAsyncDisposable
{
    // As served (Production): the exception handler, not the developer page, takes what escapes.
    private readonly KestrelApp _app = KestrelApp.Start(settings => settings.Set("environment", "Production"));

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_client_that_goes_away_part_way_through_its_body_is_not_logged_as_a_server_error(bool reset)
    {
        var address = new Uri(_app.BaseUrl);
        using var client = new TcpClient();
        await client.ConnectAsync(address.Host, address.Port);
        var stream = client.GetStream();
        var part = """{"inputs": "only the start of""";
        var head = $"POST /models/{TestPaths.SentimentRepoId} HTTP/1.1\r\nHost: {address.Authority}\r\nContent-Type: application/json\r\n" +
                   $"Content-Length: {part.Length + 1000}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head + part));
        await Task.Delay(500); // the server is reading the body
        if (reset)
        {
            client.Client.LingerState = new LingerOption(true, 0); // closing sends a reset, as a killed client's system does
            client.Close();
        }
        else
        {
            client.Client.Shutdown(SocketShutdown.Send); // the rest never comes; Kestrel takes this for a client gone
            using var reader = new StreamReader(stream, Encoding.UTF8);
            try
            {
                await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (IOException)
            {
                // Kestrel may close the connection with a reset rather than a FIN: either way, nothing more comes.
            }
        }
        await Task.Delay(TimeSpan.FromSeconds(3)); // the server reads the rest of the body and gives up meanwhile

        var errors = _app.Logs.Lines.Where(line => line.Contains(" Error: ", StringComparison.Ordinal) || line.Contains(" Critical: ", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }
}
