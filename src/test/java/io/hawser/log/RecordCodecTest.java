package io.hawser.log;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordCodecTest {

    @Test
    void roundTripsEveryField() {
        Record original = TestRecords.rich(42);
        byte[] bytes = RecordCodec.encode(original);
        assertEquals(RecordCodec.encodedSize(original), bytes.length);
        Record decoded = RecordCodec.decode(bytes);
        assertEquals(original, decoded);
        assertEquals(List.of("zeta", "alpha", "mid"), new ArrayList<>(decoded.headers().keySet()),
                "header order is preserved");
    }

    @Test
    void roundTripsNullKeyEmptyValueAndExtremes() {
        Record record = new Record(Long.MAX_VALUE - 1, Integer.MIN_VALUE, Long.MIN_VALUE, null, Map.of(), new byte[0]);
        byte[] bytes = RecordCodec.encode(record);
        assertEquals(RecordCodec.MIN_RECORD_BYTES, bytes.length);
        Record decoded = RecordCodec.decode(bytes);
        assertEquals(record, decoded);
        assertNull(decoded.key());

        Record emptyKey = new Record(0, 0, 0, new byte[0], Map.of(), new byte[] {1});
        assertArrayEquals(new byte[0], RecordCodec.decode(RecordCodec.encode(emptyKey)).key(),
                "an empty key stays an empty key, not a missing one");
    }

    @Test
    void encodesIntoBuffersAndDecodesFromThem() {
        Record a = TestRecords.rich(1);
        Record b = TestRecords.rich(2);
        ByteBuffer direct = ByteBuffer.allocateDirect(RecordCodec.encodedSize(a) + RecordCodec.encodedSize(b) + 3);
        direct.put((byte) 7).put((byte) 7).put((byte) 7);
        RecordCodec.encode(a, direct);
        int split = direct.position();
        RecordCodec.encode(b, direct);
        direct.flip();
        assertEquals(a, RecordCodec.decode(direct.duplicate().position(3).limit(split)));
        ByteBuffer second = direct.duplicate().position(split);
        assertEquals(b, RecordCodec.decode(second));
        assertEquals(second.limit(), second.position(), "decode consumes the bytes");
    }

    @Test
    void everySingleByteFlipIsDetected() {
        byte[] good = RecordCodec.encode(TestRecords.rich(7));
        for (int i = 0; i < good.length; i++) {
            for (int bit = 0; bit < 8; bit += 3) {
                byte[] bad = good.clone();
                bad[i] ^= (byte) (1 << bit);
                int at = i;
                CorruptRecordException e = assertThrows(CorruptRecordException.class,
                        () -> RecordCodec.decode(bad, 0, bad.length, 7), "flip at byte " + at);
                assertEquals(7, e.offset());
                assertTrue(e.getMessage().contains("offset 7"), e.getMessage());
            }
        }
    }

    @Test
    void truncatedOrPaddedBytesAreCorrupt() {
        byte[] good = RecordCodec.encode(TestRecords.rich(9));
        for (int length : new int[] {0, 3, RecordCodec.MIN_RECORD_BYTES - 1, good.length - 1}) {
            assertThrows(CorruptRecordException.class, () -> RecordCodec.decode(good, 0, length, 9));
        }
        byte[] padded = java.util.Arrays.copyOf(good, good.length + 1);
        assertThrows(CorruptRecordException.class, () -> RecordCodec.decode(padded, 0, padded.length, 9));
    }

    @Test
    void aRecordFiledUnderAnotherOffsetIsCorrupt() {
        byte[] bytes = RecordCodec.encode(TestRecords.rich(5));
        CorruptRecordException e = assertThrows(CorruptRecordException.class,
                () -> RecordCodec.decode(bytes, 0, bytes.length, 6));
        assertEquals(6, e.offset());
        assertTrue(e.getMessage().contains("offset 5"), e.getMessage());
    }

    @Test
    void impossibleFramingWithAValidChecksumIsCorrupt() {
        byte[] bytes = RecordCodec.encode(new Record(1, 1, 1, null, Map.of(), new byte[4]));
        // Claim a 1000-byte value and re-sign: the CRC passes, the framing cannot.
        ByteBuffer.wrap(bytes).putInt(bytes.length - 8, 1000);
        resign(bytes);
        CorruptRecordException e = assertThrows(CorruptRecordException.class, () -> RecordCodec.decode(bytes));
        assertTrue(e.getMessage().contains("framing"), e.getMessage());
    }

    @Test
    void anUnknownVersionIsRefusedNotGuessed() {
        byte[] bytes = RecordCodec.encode(TestRecords.rich(3));
        bytes[4] = 2;
        resign(bytes);
        CorruptRecordException e = assertThrows(CorruptRecordException.class, () -> RecordCodec.decode(bytes));
        assertTrue(e.getMessage().contains("version 2"), e.getMessage());
    }

    @Test
    void headersThatCannotBeStoredAreRejected() {
        Map<String, String> nullValue = new LinkedHashMap<>();
        nullValue.put("h", null);
        assertThrows(IllegalArgumentException.class,
                () -> RecordCodec.encode(new Record(0, 0, 0, null, nullValue, new byte[0])));
        assertThrows(IllegalArgumentException.class,
                () -> RecordCodec.encode(new Record(0, 0, 0, null, Map.of("h", "\uD800x"), new byte[0])));
    }

    private static void resign(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 4, bytes.length - 4);
        ByteBuffer.wrap(bytes).putInt(0, (int) crc.getValue());
    }
}
