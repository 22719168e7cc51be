package io.hawser.log.memory;

import io.hawser.log.LogConfig;
import io.hawser.log.PartitionLog;
import io.hawser.log.PartitionLogContractTest;

import java.nio.file.Path;

class InMemoryPartitionLogContractTest extends PartitionLogContractTest {

    @Override
    protected PartitionLog open(Path dir, LogConfig config) {
        return new InMemoryPartitionLog(config);
    }

    @Override
    protected boolean persistent() {
        return false;
    }
}
