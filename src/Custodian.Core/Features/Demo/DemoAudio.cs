using System.Buffers.Binary;

namespace Custodian.Core.Features.Demo;

/// <summary>
/// Short synthetic "recordings": a WAV file (RIFF, PCM 16-bit mono, 8 kHz, the telephone band) holding a sine tone
/// with a short fade in and out. Computed, not sampled: the same arguments always give the same bytes.
/// </summary>
internal static class DemoAudio
{
    public const int SampleRate = 8000;
    public const string MediaType = "audio/wav";

    public static byte[] Tone(double frequencyHz, int milliseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(milliseconds);
        var samples = SampleRate * milliseconds / 1000;
        var dataBytes = samples * 2;
        var wav = new byte[44 + dataBytes];
        var span = wav.AsSpan();
        "RIFF"u8.CopyTo(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], 36 + dataBytes);
        "WAVE"u8.CopyTo(span[8..]);
        "fmt "u8.CopyTo(span[12..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], 16);           // fmt chunk size
        BinaryPrimitives.WriteInt16LittleEndian(span[20..], 1);            // PCM
        BinaryPrimitives.WriteInt16LittleEndian(span[22..], 1);            // mono
        BinaryPrimitives.WriteInt32LittleEndian(span[24..], SampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(span[28..], SampleRate * 2); // bytes per second
        BinaryPrimitives.WriteInt16LittleEndian(span[32..], 2);            // block align
        BinaryPrimitives.WriteInt16LittleEndian(span[34..], 16);           // bits per sample
        "data"u8.CopyTo(span[36..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[40..], dataBytes);
        var fade = Math.Max(1, samples / 10);
        for (var i = 0; i < samples; i++)
        {
            var envelope = Math.Min(1.0, Math.Min(i, samples - 1 - i) / (double)fade);
            var value = Math.Sin(2 * Math.PI * frequencyHz * i / SampleRate) * envelope * 0.3;
            BinaryPrimitives.WriteInt16LittleEndian(span[(44 + i * 2)..], (short)Math.Round(value * short.MaxValue));
        }

        return wav;
    }
}
