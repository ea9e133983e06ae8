// Preload for `npm run bench:previous` with BENCH_PREVIOUS_AS_SHIPPED=1: puts back kafkajs 2.2.4's own
// RequestQueue#scheduleCheckPendingRequests, which patches/kafkajs+2.2.4.patch replaced, so that the previous release
// runs with the Kafka client it shipped with (every idle connection re-arming a 1 ms timer). Copied from
// node_modules/kafkajs/src/network/requestQueue/index.js as published; plain JavaScript so that `node -r` loads it in
// every process of the run, the supervisor's included (NODE_OPTIONS).
const RequestQueue = require('kafkajs/src/network/requestQueue');

const CHECK_PENDING_REQUESTS_INTERVAL = 10;

RequestQueue.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests() {
  let scheduleAt = this.throttledUntil - Date.now();
  if (!this.throttleCheckTimeoutId) {
    if (this.pending.length > 0) {
      scheduleAt = scheduleAt > 0 ? scheduleAt : CHECK_PENDING_REQUESTS_INTERVAL;
    }
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, scheduleAt);
  }
};
