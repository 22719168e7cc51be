package io.hawser.log.mapdb;

import io.hawser.log.LogConfig;
import io.hawser.log.PartitionLog;
import io.hawser.log.PartitionLogContractTest;

import java.nio.file.Path;

class MapDbPartitionLogContractTest extends PartitionLogContractTest {

    @Override
    protected PartitionLog open(Path dir, LogConfig config) {
        return MapDbPartitionLog.open(dir, config);
    }

    @Override
    protected boolean persistent() {
        return true;
    }

    @Override
    protected void settle(PartitionLog log) {
        ((MapDbPartitionLog) log).awaitSealing();
    }
}
