using System.Text.Json;
using WebDemo.Inference.Remote.HuggingFace;
using WebDemo.Inference.Remote.Tasks.TextToImage;

namespace WebDemo.Inference.Remote.Tests.Tasks.TextToImage;

/// <summary>The mapping's adapter fields, and what an image's bytes say of it.</summary>
public class MappingAndImageBytesTests
{
    [Fact]
    public void The_mapping_carries_adapter_and_adapterWeightsPath_in_both_forms()
    {
        using var array = JsonDocument.Parse("""
            {"inferenceProviderMapping": [
              {"provider": "fal-ai", "providerId": "fal-ai/flux-lora", "hfModelId": "org/lora", "status": "live", "task": "text-to-image",
               "adapter": "lora", "adapterWeightsPath": "pixel.safetensors"},
              {"provider": "hf-inference", "providerId": "org/lora", "status": "live", "task": "text-to-image"}]}
            """);
        using var byName = JsonDocument.Parse("""
            {"inferenceProviderMapping": {"replicate": {"providerId": "owner/lora", "status": "live", "task": "text-to-image",
              "adapter": "lora", "adapterWeightsPath": "w.safetensors"}}}
            """);

        var entries = ProviderMapping.Parse(array.RootElement);
        Assert.Equal(new ProviderEntry("fal-ai", "fal-ai/flux-lora", "text-to-image", "live", "lora", "pixel.safetensors"), entries[0]);
        Assert.Equal(new ProviderEntry("hf-inference", "org/lora", "text-to-image", "live"), entries[1]);
        Assert.Equal(new ProviderEntry("replicate", "owner/lora", "text-to-image", "live", "lora", "w.safetensors"),
            Assert.Single(ProviderMapping.Parse(byName.RootElement)));
    }

    [Fact]
    public void Png_jpeg_webp_and_gif_are_told_apart_with_their_sizes()
    {
        Assert.Equal(new ImageBytes.Description("image/png", 1, 1), ImageBytes.Describe(FakeImageProviders.Png));

        // A JPEG: SOI, an APP0 segment, then SOF0 with height 600 and width 800.
        byte[] jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x02, 0x58, 0x03, 0x20, 0x03, 0, 0, 0, 0, 0, 0];
        Assert.Equal(new ImageBytes.Description("image/jpeg", 800, 600), ImageBytes.Describe(jpeg));

        // A WebP with a VP8X header: canvas 1024×768 (stored minus one, 24 bits each).
        var webp = new byte[30];
        "RIFF"u8.CopyTo(webp);
        "WEBPVP8X"u8.CopyTo(webp.AsSpan(8));
        webp[24] = 0xFF; webp[25] = 0x03; // 1023
        webp[27] = 0xFF; webp[28] = 0x02; // 767
        Assert.Equal(new ImageBytes.Description("image/webp", 1024, 768), ImageBytes.Describe(webp));

        byte[] gif = [.. "GIF89a"u8, 0x40, 0x00, 0x20, 0x00];
        Assert.Equal(new ImageBytes.Description("image/gif", 64, 32), ImageBytes.Describe(gif));

        Assert.Null(ImageBytes.Describe("<html>not an image</html>"u8));
        Assert.Null(ImageBytes.Describe([]));
    }
}
