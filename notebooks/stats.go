package notebooks

// QueryStats is what a SQL run cost: how long it took and what it read.
type QueryStats struct {
	ElapsedMs int64 `json:"elapsedMs"`
	// QueuedMs is the part of ElapsedMs spent waiting for a free query slot.
	QueuedMs int64 `json:"queuedMs,omitempty"`
	Rows     int64 `json:"rows"`
	// BytesFetched were downloaded from object storage; CacheHits are files that were already
	// in the local cache.
	BytesFetched int64 `json:"bytesFetched"`
	CacheHits    int   `json:"cacheHits"`
	// FilesScanned are the catalog tables' files the query read; FilesPruned those its
	// predicates ruled out (by partition or by Parquet min/max statistics).
	FilesScanned int   `json:"filesScanned"`
	FilesPruned  int   `json:"filesPruned"`
	BytesScanned int64 `json:"bytesScanned"`
}

// Progress phases.
const (
	PhaseQueued   = "queued"
	PhaseFetching = "fetching"
	PhaseRunning  = "running"
)

// Progress is how far a running SQL run has come.
type Progress struct {
	Phase string `json:"phase"`
	// Position is the run's place in the engine's queue (1 is next), while queued.
	Position   int   `json:"position,omitempty"`
	Files      int   `json:"files"`
	FilesTotal int   `json:"filesTotal"`
	Bytes      int64 `json:"bytes"`
	BytesTotal int64 `json:"bytesTotal"`
	// Percent is DuckDB's estimate of how far the query is (0–100), while running; absent
	// when DuckDB cannot tell.
	Percent *float64 `json:"percent,omitempty"`
}
