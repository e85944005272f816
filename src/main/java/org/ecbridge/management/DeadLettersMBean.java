package org.ecbridge.management;

import java.io.IOException;
import java.util.List;

/** JMX view and replay of the dead-letter folder ({@code org.ecbridge:type=DeadLetters}). */
public interface DeadLettersMBean {

    int getCount();

    List<String> getItemIds() throws IOException;

    /** Moves one dead letter back into the staging inbox; returns what happened in a sentence. */
    String replay(String itemId) throws IOException;

    /** Moves every dead letter back into the staging inbox and returns how many moved. */
    int replayAll() throws IOException;
}
