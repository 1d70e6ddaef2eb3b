using SkiaSharp;

namespace WebDemo.Inference.Onnx.Diffusion;

/// <summary>From the VAE's output and from latents to 8-bit RGB, and RGB to PNG.</summary>
internal static class ImageOutput
{
    /// <summary>
    /// The VAE decoder's [1, 3, h, w] output in [-1, 1] to h × w × 3 RGB bytes as diffusers'
    /// image processor makes them: (x · 0.5 + 0.5) clamped to [0, 1] (<c>denormalize</c>), then
    /// (x · 255) rounded half to even (<c>numpy_to_pil</c>'s <c>.round()</c>), all in float32.
    /// </summary>
    public static byte[] ToRgb(ReadOnlySpan<float> chw, int width, int height)
    {
        var plane = width * height;
        var rgb = new byte[plane * 3];
        for (var c = 0; c < 3; c++)
        {
            var channel = chw.Slice(c * plane, plane);
            for (var i = 0; i < plane; i++)
            {
                var x = Math.Clamp(channel[i] * 0.5f + 0.5f, 0f, 1f);
                rgb[i * 3 + c] = (byte)MathF.Round(x * 255f, MidpointRounding.ToEven);
            }
        }
        return rgb;
    }

    /// <summary>
    /// Stable Diffusion 1.x/2.x latent → RGB factors (R, G, B per latent channel), the linear
    /// approximation of the VAE that ComfyUI's latent previewer uses (comfy/latent_formats.py, class
    /// SD15, latent_rgb_factors; no bias), after Keturn's "latent2rgb" fit of SD latents.
    /// </summary>
    private static readonly float[,] LatentRgbFactors =
    {
        { 0.3512f, 0.2297f, 0.3227f },
        { 0.3250f, 0.4974f, 0.2350f },
        { -0.2829f, 0.1762f, 0.2721f },
        { -0.2120f, -0.2616f, -0.7177f },
    };

    /// <summary>
    /// A cheap preview of a [1, 4, h, w] latent (unscaled, as the scheduler holds it): each pixel's
    /// 4 channels times <see cref="LatentRgbFactors"/>, mapped from [-1, 1] to [0, 255] as ComfyUI
    /// does ((x + 1) / 2, clamped). One pixel per latent cell: an eighth of the image's size.
    /// </summary>
    public static byte[] PreviewRgb(ReadOnlySpan<float> latent, int latentWidth, int latentHeight)
    {
        var plane = latentWidth * latentHeight;
        var channels = Math.Min(4, latent.Length / plane);
        var rgb = new byte[plane * 3];
        for (var i = 0; i < plane; i++)
        {
            for (var c = 0; c < 3; c++)
            {
                var v = 0f;
                for (var k = 0; k < channels; k++)
                    v += latent[k * plane + i] * LatentRgbFactors[k, c];
                rgb[i * 3 + c] = (byte)MathF.Round(Math.Clamp((v + 1f) / 2f, 0f, 1f) * 255f);
            }
        }
        return rgb;
    }

    /// <summary>h × w × 3 RGB bytes as a PNG (SkiaSharp), opaque.</summary>
    public static byte[] EncodePng(byte[] rgb, int width, int height)
    {
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        var rgba = new byte[width * height * 4];
        for (int i = 0, j = 0; i < rgb.Length; i += 3, j += 4)
        {
            rgba[j] = rgb[i];
            rgba[j + 1] = rgb[i + 1];
            rgba[j + 2] = rgb[i + 2];
            rgba[j + 3] = 255;
        }
        using var image = SKImage.FromPixelCopy(info, rgba, info.RowBytes);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>A PNG's RGB bytes back (for tests and checks).</summary>
    public static (byte[] Rgb, int Width, int Height) DecodePng(byte[] png)
    {
        using var bitmap = SKBitmap.Decode(png);
        using var rgba = bitmap.Copy(SKColorType.Rgba8888);
        var pixels = rgba.GetPixelSpan();
        var rgb = new byte[rgba.Width * rgba.Height * 3];
        for (int i = 0, j = 0; j < rgb.Length; i += 4, j += 3)
        {
            rgb[j] = pixels[i];
            rgb[j + 1] = pixels[i + 1];
            rgb[j + 2] = pixels[i + 2];
        }
        return (rgb, rgba.Width, rgba.Height);
    }
}
