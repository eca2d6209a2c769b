package dev.saaflink.jobs.camera;

import dev.saaflink.schemas.Frame;

/**
 * The one place a frame waits between the grabber and the Kafka publisher: holding at most one frame is what
 * bounds the memory of a camera run however slow the broker gets. A live source replaces a frame the publisher has
 * not taken yet (the newest picture is the one worth inspecting; the replaced one is counted as dropped), a file
 * waits for the slot to empty (nothing of a recording is skipped for speed).
 */
final class FrameSlot {

    private Frame pending;
    private boolean closed;

    /** Puts the frame in the slot; returns whether it replaced one not yet taken. A closed slot takes nothing. */
    synchronized boolean replace(Frame frame) {
        if (closed) {
            return false;
        }
        boolean replaced = pending != null;
        pending = frame;
        notifyAll();
        return replaced;
    }

    /** Waits until the slot is empty and puts the frame there; false when the slot was closed first. */
    synchronized boolean put(Frame frame) throws InterruptedException {
        while (pending != null && !closed) {
            wait();
        }
        if (closed) {
            return false;
        }
        pending = frame;
        notifyAll();
        return true;
    }

    /** Waits for a frame; after {@link #close()}, the one still waiting, then null. */
    synchronized Frame take() throws InterruptedException {
        while (pending == null && !closed) {
            wait();
        }
        Frame frame = pending;
        pending = null;
        notifyAll();
        return frame;
    }

    /** Discards the waiting frame, if any; returns whether there was one. */
    synchronized boolean clear() {
        boolean had = pending != null;
        pending = null;
        notifyAll();
        return had;
    }

    /** No more frames come in; {@link #take()} hands out what is waiting and then returns null. */
    synchronized void close() {
        closed = true;
        notifyAll();
    }
}
