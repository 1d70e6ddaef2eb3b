using System.Buffers.Binary;

namespace WebDemo.Inference.Remote.Tasks.TextToImage;

/// <summary>
/// What an encoded image is, read from its first bytes: its media type and size. Providers label
/// their answers loosely (base64 carries no type at all, and the HF clients call every one JPEG),
/// so the bytes themselves decide; something that is no image is refused.
/// </summary>
internal static class ImageBytes
{
    public readonly record struct Description(string ContentType, int Width, int Height);

    public static Description? Describe(ReadOnlySpan<byte> data)
    {
        if (data.Length >= 24 && data[..8].SequenceEqual((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
            return new("image/png", BinaryPrimitives.ReadInt32BigEndian(data[16..]), BinaryPrimitives.ReadInt32BigEndian(data[20..]));
        if (data.Length >= 4 && data[0] == 0xFF && data[1] == 0xD8)
            return Jpeg(data);
        if (data.Length >= 30 && data[..4].SequenceEqual("RIFF"u8) && data[8..12].SequenceEqual("WEBP"u8))
            return WebP(data);
        if (data.Length >= 10 && data[..4].SequenceEqual("GIF8"u8))
            return new("image/gif", BinaryPrimitives.ReadUInt16LittleEndian(data[6..]), BinaryPrimitives.ReadUInt16LittleEndian(data[8..]));
        return null;
    }

    /// <summary>The size is in the first start-of-frame segment; a JPEG whose header ends early still is one, of unknown size.</summary>
    private static Description Jpeg(ReadOnlySpan<byte> data)
    {
        var at = 2;
        while (at + 9 < data.Length && data[at] == 0xFF)
        {
            var marker = data[at + 1];
            if (marker == 0xFF) { at++; continue; }
            var length = BinaryPrimitives.ReadUInt16BigEndian(data[(at + 2)..]);
            if (marker is >= 0xC0 and <= 0xCF && marker is not (0xC4 or 0xC8 or 0xCC))
                return new("image/jpeg", BinaryPrimitives.ReadUInt16BigEndian(data[(at + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(data[(at + 5)..]));
            at += 2 + length;
        }
        return new("image/jpeg", 0, 0);
    }

    private static Description WebP(ReadOnlySpan<byte> data)
    {
        var chunk = data[12..16];
        if (chunk.SequenceEqual("VP8 "u8))
            return new("image/webp", BinaryPrimitives.ReadUInt16LittleEndian(data[26..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(data[28..]) & 0x3FFF);
        if (chunk.SequenceEqual("VP8L"u8))
        {
            var bits = BinaryPrimitives.ReadUInt32LittleEndian(data[21..]);
            return new("image/webp", (int)(bits & 0x3FFF) + 1, (int)((bits >> 14) & 0x3FFF) + 1);
        }
        if (chunk.SequenceEqual("VP8X"u8))
            return new("image/webp", (data[24] | data[25] << 8 | data[26] << 16) + 1, (data[27] | data[28] << 8 | data[29] << 16) + 1);
        return new("image/webp", 0, 0);
    }
}
