package io.hawser.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Passes a message record by reference between verticles of one node and encodes it, by reflection over its record
 * components, when it crosses to another node.
 *
 * <pre>
 * int8    format version (1)
 * int32   body length in bytes (what follows; makes the message self-delimiting inside Vert.x's frame)
 * body    the record's components in declaration order, without names or tags:
 *           primitives fixed width (boolean/byte 1, short/char 2, int/float 4, long/double 8);
 *           any other type: a presence byte (0 = null, 1 = present), then the value:
 *           boxed primitive as its primitive; String as int32 length + UTF-8; byte[] as int32 length + bytes;
 *           enum as its name (a String); nested record as its components; List as int32 count + elements;
 *           Map as int32 count + key, value pairs in iteration order (decoded into a LinkedHashMap)
 * </pre>
 * All integers are big-endian. Decoded lists and maps are unmodifiable. Both ends must run the same record
 * definitions: the format carries no field names, so adding, removing or reordering a component is a format change.
 * The class graph is validated when the codec is built, so an unsupported component type fails at registration
 * rather than on the first remote send.
 *
 * <p>Threading: immutable after construction; every method may be called from any thread.
 */
final class WireCodec<T extends Record> implements MessageCodec<T, T> {

    /** The only format written and read today. */
    static final byte FORMAT_V1 = 1;

    private static final int HEADER_BYTES = 1 + 4;

    private final Class<T> type;
    private final RecordNode root;

    WireCodec(Class<T> type) {
        this.type = type;
        this.root = new Builder().record(type, type.getName());
    }

    static <T extends Record> void register(EventBus bus, Class<T> type) {
        bus.registerDefaultCodec(type, new WireCodec<>(type));
    }

    @Override
    public void encodeToWire(Buffer buffer, T t) {
        buffer.appendByte(FORMAT_V1);
        int lengthAt = buffer.length();
        buffer.appendInt(0); // body length, filled in once the body is written
        root.write(buffer, t);
        buffer.setInt(lengthAt, buffer.length() - lengthAt - 4);
    }

    @Override
    public T decodeFromWire(int pos, Buffer buffer) {
        byte version = buffer.getByte(pos);
        if (version != FORMAT_V1) {
            throw new IllegalStateException(type.getName() + " arrived in wire format version " + version
                    + " but this node reads only version " + FORMAT_V1);
        }
        int length = buffer.getInt(pos + 1);
        int start = pos + HEADER_BYTES;
        if (length < 0 || (long) start + length > buffer.length()) {
            throw new IllegalStateException(type.getName() + " body of " + length + " bytes at position " + start
                    + " does not fit in a buffer of " + buffer.length() + " bytes");
        }
        Reader in = new Reader(buffer, start, start + length, type);
        Object value = root.read(in);
        if (in.pos != in.limit) {
            throw new IllegalStateException(type.getName() + " decoded with " + (in.limit - in.pos)
                    + " of " + length + " body bytes left over");
        }
        return type.cast(value);
    }

    @Override
    public T transform(T t) {
        return t;
    }

    @Override
    public String name() {
        return "hawser-wire-" + type.getName();
    }

    @Override
    public byte systemCodecID() {
        return -1;
    }

    // ---- reading ----

    /** A bounded cursor over the body; reading past its end is a corrupt message, not the next one's bytes. */
    private static final class Reader {
        private final Buffer buffer;
        private final int limit;
        private final Class<?> message;
        private int pos;

        Reader(Buffer buffer, int pos, int limit, Class<?> message) {
            this.buffer = buffer;
            this.pos = pos;
            this.limit = limit;
            this.message = message;
        }

        private int take(int bytes) {
            int at = pos;
            if (bytes < 0 || bytes > limit - at) {
                throw new IllegalStateException(message.getName() + " body is truncated or corrupt: needs "
                        + bytes + " bytes at position " + at + ", body ends at " + limit);
            }
            pos = at + bytes;
            return at;
        }

        byte readByte() {
            return buffer.getByte(take(1));
        }

        boolean readBoolean() {
            return readByte() != 0;
        }

        short readShort() {
            return buffer.getShort(take(2));
        }

        int readInt() {
            return buffer.getInt(take(4));
        }

        long readLong() {
            return buffer.getLong(take(8));
        }

        float readFloat() {
            return buffer.getFloat(take(4));
        }

        double readDouble() {
            return buffer.getDouble(take(8));
        }

        /** A count of items each taking at least one byte: bounded by what is left, so corruption cannot over-allocate. */
        int readCount() {
            int count = readInt();
            if (count < 0 || count > limit - pos) {
                throw new IllegalStateException(message.getName() + " body is corrupt: count " + count
                        + " at position " + (pos - 4) + " with " + (limit - pos) + " bytes left");
            }
            return count;
        }

        byte[] readBytes() {
            int length = readInt();
            int at = take(length);
            return buffer.getBytes(at, at + length);
        }

        String readString() {
            int length = readInt();
            int at = take(length);
            return buffer.getString(at, at + length);
        }
    }

    // ---- the codec tree, built once per message class ----

    /** Encodes and decodes one non-null value of a declared type. */
    private interface Node {
        void write(Buffer out, Object value);

        Object read(Reader in);
    }

    /** A reference-typed slot: a presence byte, then the value when present. */
    private static final class Nullable implements Node {
        private final Node inner;

        Nullable(Node inner) {
            this.inner = inner;
        }

        @Override
        public void write(Buffer out, Object value) {
            if (value == null) {
                out.appendByte((byte) 0);
            } else {
                out.appendByte((byte) 1);
                inner.write(out, value);
            }
        }

        @Override
        public Object read(Reader in) {
            byte presence = in.readByte();
            if (presence == 0) {
                return null;
            }
            if (presence != 1) {
                throw new IllegalStateException(in.message.getName() + " body is corrupt: presence byte "
                        + presence + " at position " + (in.pos - 1));
            }
            return inner.read(in);
        }
    }

    private enum Scalar implements Node {
        BOOLEAN {
            @Override
            public void write(Buffer out, Object value) {
                out.appendByte((Boolean) value ? (byte) 1 : (byte) 0);
            }

            @Override
            public Object read(Reader in) {
                return in.readBoolean();
            }
        },
        BYTE {
            @Override
            public void write(Buffer out, Object value) {
                out.appendByte((Byte) value);
            }

            @Override
            public Object read(Reader in) {
                return in.readByte();
            }
        },
        SHORT {
            @Override
            public void write(Buffer out, Object value) {
                out.appendShort((Short) value);
            }

            @Override
            public Object read(Reader in) {
                return in.readShort();
            }
        },
        CHAR {
            @Override
            public void write(Buffer out, Object value) {
                out.appendShort((short) (char) (Character) value);
            }

            @Override
            public Object read(Reader in) {
                return (char) in.readShort();
            }
        },
        INT {
            @Override
            public void write(Buffer out, Object value) {
                out.appendInt((Integer) value);
            }

            @Override
            public Object read(Reader in) {
                return in.readInt();
            }
        },
        LONG {
            @Override
            public void write(Buffer out, Object value) {
                out.appendLong((Long) value);
            }

            @Override
            public Object read(Reader in) {
                return in.readLong();
            }
        },
        FLOAT {
            @Override
            public void write(Buffer out, Object value) {
                out.appendFloat((Float) value);
            }

            @Override
            public Object read(Reader in) {
                return in.readFloat();
            }
        },
        DOUBLE {
            @Override
            public void write(Buffer out, Object value) {
                out.appendDouble((Double) value);
            }

            @Override
            public Object read(Reader in) {
                return in.readDouble();
            }
        },
        STRING {
            @Override
            public void write(Buffer out, Object value) {
                byte[] utf8 = ((String) value).getBytes(StandardCharsets.UTF_8);
                out.appendInt(utf8.length).appendBytes(utf8);
            }

            @Override
            public Object read(Reader in) {
                return in.readString();
            }
        },
        BYTES {
            @Override
            public void write(Buffer out, Object value) {
                byte[] bytes = (byte[]) value;
                out.appendInt(bytes.length).appendBytes(bytes);
            }

            @Override
            public Object read(Reader in) {
                return in.readBytes();
            }
        };

        private static final Map<Class<?>, Scalar> BY_TYPE = Map.ofEntries(
                Map.entry(boolean.class, BOOLEAN), Map.entry(Boolean.class, BOOLEAN),
                Map.entry(byte.class, BYTE), Map.entry(Byte.class, BYTE),
                Map.entry(short.class, SHORT), Map.entry(Short.class, SHORT),
                Map.entry(char.class, CHAR), Map.entry(Character.class, CHAR),
                Map.entry(int.class, INT), Map.entry(Integer.class, INT),
                Map.entry(long.class, LONG), Map.entry(Long.class, LONG),
                Map.entry(float.class, FLOAT), Map.entry(Float.class, FLOAT),
                Map.entry(double.class, DOUBLE), Map.entry(Double.class, DOUBLE),
                Map.entry(String.class, STRING), Map.entry(byte[].class, BYTES));
    }

    private static final class EnumNode implements Node {
        private final Class<?> type;
        private final Map<String, Object> byName = new HashMap<>();

        EnumNode(Class<?> type) {
            this.type = type;
            for (Object constant : type.getEnumConstants()) {
                byName.put(((Enum<?>) constant).name(), constant);
            }
        }

        @Override
        public void write(Buffer out, Object value) {
            Scalar.STRING.write(out, ((Enum<?>) value).name());
        }

        @Override
        public Object read(Reader in) {
            String name = in.readString();
            Object constant = byName.get(name);
            if (constant == null) {
                throw new IllegalStateException(in.message.getName() + ": " + type.getName()
                        + " has no constant '" + name + "'");
            }
            return constant;
        }
    }

    private static final class ListNode implements Node {
        private final Node element;

        ListNode(Node element) {
            this.element = element;
        }

        @Override
        public void write(Buffer out, Object value) {
            List<?> list = (List<?>) value;
            out.appendInt(list.size());
            for (Object e : list) {
                element.write(out, e);
            }
        }

        @Override
        public Object read(Reader in) {
            int count = in.readCount();
            List<Object> list = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                list.add(element.read(in));
            }
            return Collections.unmodifiableList(list);
        }
    }

    private static final class MapNode implements Node {
        private final Node key;
        private final Node value;

        MapNode(Node key, Node value) {
            this.key = key;
            this.value = value;
        }

        @Override
        public void write(Buffer out, Object v) {
            Map<?, ?> map = (Map<?, ?>) v;
            out.appendInt(map.size());
            for (Map.Entry<?, ?> e : map.entrySet()) {
                key.write(out, e.getKey());
                value.write(out, e.getValue());
            }
        }

        @Override
        public Object read(Reader in) {
            int count = in.readCount();
            Map<Object, Object> map = new LinkedHashMap<>(Math.max(4, (int) (count / 0.75f) + 1));
            for (int i = 0; i < count; i++) {
                Object k = key.read(in);
                map.put(k, value.read(in));
            }
            return Collections.unmodifiableMap(map);
        }
    }

    /** One record component: a cached accessor and how to encode what it returns. */
    private static final class Component {
        private final String name;
        private final Scalar primitive; // non-null for a primitive component, read through a non-boxing accessor
        private final MethodHandle getter; // (Object)<primitive> for primitives, (Object)Object otherwise
        private final Node node;

        Component(String name, Scalar primitive, MethodHandle getter, Node node) {
            this.name = name;
            this.primitive = primitive;
            this.getter = getter;
            this.node = node;
        }

        void write(Buffer out, Object record) throws Throwable {
            if (primitive == null) {
                node.write(out, (Object) getter.invokeExact(record));
                return;
            }
            switch (primitive) {
                case BOOLEAN -> out.appendByte((boolean) getter.invokeExact(record) ? (byte) 1 : (byte) 0);
                case BYTE -> out.appendByte((byte) getter.invokeExact(record));
                case SHORT -> out.appendShort((short) getter.invokeExact(record));
                case CHAR -> out.appendShort((short) (char) getter.invokeExact(record));
                case INT -> out.appendInt((int) getter.invokeExact(record));
                case LONG -> out.appendLong((long) getter.invokeExact(record));
                case FLOAT -> out.appendFloat((float) getter.invokeExact(record));
                case DOUBLE -> out.appendDouble((double) getter.invokeExact(record));
                default -> throw new AssertionError(primitive);
            }
        }
    }

    private static final class RecordNode implements Node {
        private final Class<?> type;
        private Component[] components;
        private MethodHandle constructor; // (Object[])Object

        RecordNode(Class<?> type) {
            this.type = type;
        }

        @Override
        public void write(Buffer out, Object record) {
            Component c = null;
            try {
                for (Component component : components) {
                    c = component;
                    component.write(out, record);
                }
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException("cannot encode " + type.getName() + "." + c.name, e);
            }
        }

        @Override
        public Object read(Reader in) {
            Component[] cs = components;
            Object[] args = new Object[cs.length];
            for (int i = 0; i < cs.length; i++) {
                args[i] = cs[i].node.read(in);
            }
            try {
                return (Object) constructor.invokeExact(args);
            } catch (Throwable e) {
                throw new IllegalStateException(in.message.getName() + ": cannot construct " + type.getName()
                        + " from the wire: " + e, e);
            }
        }
    }

    /** Resolves a class graph into nodes, failing on the first unsupported type. Handles recursive records. */
    private static final class Builder {
        private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();

        private final Map<Class<?>, RecordNode> records = new IdentityHashMap<>();

        RecordNode record(Class<?> type, String path) {
            RecordNode existing = records.get(type);
            if (existing != null) {
                return existing;
            }
            if (!type.isRecord()) {
                throw unsupported(path, type, "not a record");
            }
            RecordNode node = new RecordNode(type);
            records.put(type, node); // before the components, so a record may contain itself
            RecordComponent[] rcs = type.getRecordComponents();
            Component[] components = new Component[rcs.length];
            Class<?>[] parameterTypes = new Class<?>[rcs.length];
            for (int i = 0; i < rcs.length; i++) {
                RecordComponent rc = rcs[i];
                String where = type.getName() + "." + rc.getName();
                String at = path.equals(type.getName()) ? where : path + " -> " + where;
                parameterTypes[i] = rc.getType();
                MethodHandle getter = unreflect(rc.getAccessor(), where);
                if (rc.getType().isPrimitive()) {
                    Scalar primitive = Scalar.BY_TYPE.get(rc.getType());
                    components[i] = new Component(rc.getName(), primitive,
                            getter.asType(MethodType.methodType(rc.getType(), Object.class)), primitive);
                } else {
                    components[i] = new Component(rc.getName(), null,
                            getter.asType(MethodType.methodType(Object.class, Object.class)),
                            new Nullable(value(rc.getGenericType(), at)));
                }
            }
            node.components = components;
            node.constructor = constructor(type, parameterTypes);
            return node;
        }

        /** The node for a non-null value of a reference type. */
        private Node value(Type type, String path) {
            if (type instanceof Class<?> c) {
                Scalar scalar = Scalar.BY_TYPE.get(c);
                if (scalar != null) {
                    return scalar;
                }
                if (c.isEnum()) {
                    return new EnumNode(c);
                }
                if (c.isRecord()) {
                    return record(c, path);
                }
                if (c == List.class || c == Map.class) {
                    throw unsupported(path, c, "raw " + c.getSimpleName() + " without type arguments");
                }
                throw unsupported(path, c, "not a supported type");
            }
            if (type instanceof ParameterizedType p) {
                Type[] args = p.getActualTypeArguments();
                if (p.getRawType() == List.class) {
                    return new ListNode(new Nullable(value(args[0], path + "<element>")));
                }
                if (p.getRawType() == Map.class) {
                    return new MapNode(new Nullable(value(args[0], path + "<key>")),
                            new Nullable(value(args[1], path + "<value>")));
                }
                throw unsupported(path, type, "only List<E> and Map<K, V> may be parameterized");
            }
            if (type instanceof WildcardType w && w.getLowerBounds().length == 0
                    && w.getUpperBounds().length == 1 && w.getUpperBounds()[0] != Object.class) {
                return value(w.getUpperBounds()[0], path);
            }
            throw unsupported(path, type, "element type unknown or not a supported type");
        }

        private static MethodHandle unreflect(Method accessor, String where) {
            try {
                trySetAccessible(accessor);
                return LOOKUP.unreflect(accessor);
            } catch (IllegalAccessException e) {
                throw new IllegalArgumentException("WireCodec cannot read component " + where + ": " + e, e);
            }
        }

        private static MethodHandle constructor(Class<?> type, Class<?>[] parameterTypes) {
            try {
                Constructor<?> canonical = type.getDeclaredConstructor(parameterTypes);
                trySetAccessible(canonical);
                return LOOKUP.unreflectConstructor(canonical)
                        .asSpreader(Object[].class, parameterTypes.length)
                        .asType(MethodType.methodType(Object.class, Object[].class));
            } catch (NoSuchMethodException | IllegalAccessException e) {
                throw new IllegalArgumentException("WireCodec cannot use the canonical constructor of "
                        + type.getName() + ": " + e, e);
            }
        }

        private static void trySetAccessible(java.lang.reflect.AccessibleObject member) {
            try {
                member.setAccessible(true); // records nested non-publicly (tests) or in other packages
            } catch (RuntimeException ignored) {
                // a module that does not open the package; unreflect reports it if access is really needed
            }
        }

        private static IllegalArgumentException unsupported(String path, Type type, String why) {
            return new IllegalArgumentException("WireCodec cannot encode component " + path + " of type "
                    + type.getTypeName() + ": " + why);
        }
    }
}
