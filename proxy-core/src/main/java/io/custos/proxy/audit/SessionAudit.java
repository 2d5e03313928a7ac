package io.custos.proxy.audit;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;

/**
 * A session's side of the audit trail: the session hands its records over through {@link #record}, and with
 * {@code durability: strict} this handler, first in the client channel's pipeline, holds whatever the session writes
 * to its client after a statement's record until that record is durable.
 *
 * <p>Why hold output rather than write ahead: a session records a statement when the statement's last response
 * arrives from the database (CommandComplete or ErrorResponse in PostgreSQL, the final OK, EOF or ERR in MySQL), just
 * before it writes that response to the client, and a refusal just before it writes the refusal. So holding every
 * write that follows a statement record holds exactly the end of that statement's result (and ReadyForQuery, and
 * anything pipelined behind it) and nothing before it: rows already streaming go out as they come, and a client never
 * sees a statement complete before its record is on disk. The record then carries the outcome, rows and duration,
 * and costs one group-committed force per statement, instead of two records (intent and outcome) with a force before
 * the statement may even start. The price: rows of a result that is still streaming when the gateway dies have
 * reached the client without a durable record; their statement has not completed for the client.
 *
 * <p>Connection events (connect, authentication, disconnect) are recorded but hold nothing, so a client is not kept
 * waiting at login when the disk is slow or full; the session refuses its statements instead.
 *
 * <p>Order is kept: once a write is held, every later write and flush waits behind it. Held bytes count against the
 * channel's writability (a user-defined writability flag), so a session that stops the backend's reads when its
 * client cannot keep up does the same while output is held. A close discards what is held: the client is gone.
 *
 * <p>Runs on the channel's event loop, like the session; {@link AuditLog#whenDurable} hands the release back to it.
 */
public final class SessionAudit extends ChannelOutboundHandlerAdapter {
    static final String NAME = "custos-audit-hold";

    /** Held bytes above which the channel reports itself unwritable, and below which it is writable again. */
    static final int HIGH_WATER_BYTES = 1024 * 1024;

    static final int LOW_WATER_BYTES = 256 * 1024;

    /** The user-defined writability index this handler uses (1..31; Netty's own flag is separate). */
    private static final int WRITABILITY_INDEX = 7;

    private final AuditLog log;
    private final boolean strict;
    private final ArrayDeque<Held> held = new ArrayDeque<>();

    private ChannelHandlerContext context;
    private long required;
    private long heldBytes;
    private boolean flushRequested;
    private boolean waiting;
    private boolean unwritable;

    private SessionAudit(AuditLog log) {
        this.log = requireNonNull(log, "log is null");
        this.strict = log.holdsResults();
    }

    /** Puts a new handler first in {@code channel}'s pipeline and returns it. */
    public static SessionAudit install(Channel channel, AuditLog log) {
        SessionAudit audit = new SessionAudit(log);
        channel.pipeline().addFirst(NAME, audit);
        return audit;
    }

    /**
     * Hands {@code record} to the trail. With {@code durability: strict}, when it is a statement's record, every write
     * to the client from now on waits until it is durable.
     */
    public void record(AuditRecord record) {
        long ticket = log.record(record);
        if (strict && record.event() == AuditEvent.STATEMENT) {
            required = Math.max(required, ticket);
        }
    }

    /** Bytes of output held for the trail, for tests and diagnostics. */
    long heldBytes() {
        return heldBytes;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        context = ctx;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object message, ChannelPromise promise) {
        if (held.isEmpty() && required <= log.durable()) {
            ctx.write(message, promise);
            return;
        }
        held.addLast(new Held(message, promise, required));
        heldBytes += size(message);
        updateWritability();
        awaitDurable();
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (held.isEmpty()) {
            ctx.flush();
            return;
        }
        flushRequested = true;
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
        discard();
        ctx.close(promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        discard();
    }

    private void awaitDurable() {
        if (waiting || held.isEmpty()) {
            return;
        }
        waiting = true;
        long ticket = held.peekFirst().required;
        log.whenDurable(ticket, () -> context.executor().execute(this::release));
    }

    /** Writes what the trail has caught up with, in order, then waits for the rest. */
    private void release() {
        waiting = false;
        long durable = log.durable();
        boolean wrote = false;
        while (!held.isEmpty() && held.peekFirst().required <= durable) {
            Held next = held.pollFirst();
            heldBytes -= size(next.message);
            context.write(next.message, next.promise);
            wrote = true;
        }
        if (wrote && flushRequested) {
            flushRequested = !held.isEmpty();
            context.flush();
        }
        updateWritability();
        awaitDurable();
    }

    private void discard() {
        Held next;
        while ((next = held.pollFirst()) != null) {
            ReferenceCountUtil.release(next.message);
            next.promise.tryFailure(new ClosedChannelException());
        }
        heldBytes = 0;
        flushRequested = false;
    }

    private void updateWritability() {
        boolean shouldBeUnwritable = unwritable ? heldBytes > LOW_WATER_BYTES : heldBytes > HIGH_WATER_BYTES;
        if (shouldBeUnwritable == unwritable || context == null) {
            return;
        }
        ChannelOutboundBuffer buffer = context.channel().unsafe().outboundBuffer();
        if (buffer == null) {
            return;
        }
        unwritable = shouldBeUnwritable;
        buffer.setUserDefinedWritability(WRITABILITY_INDEX, !unwritable);
    }

    private static long size(Object message) {
        if (message instanceof ByteBuf buffer) {
            return buffer.readableBytes();
        }
        if (message instanceof ByteBufHolder holder) {
            return holder.content().readableBytes();
        }
        return 0;
    }

    private record Held(Object message, ChannelPromise promise, long required) {}
}
