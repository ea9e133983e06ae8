export { Ctx, EventPattern, Payload } from '@nestjs/microservices';
export { BusContext } from './bus-context';
export { BusController, BusErrorFilter } from './bus-error.filter';
export { BUS_TRANSPORT_ID, BusTransport, startBusTransport, type BusConsumerOptions, type BusTransportStatus } from './bus-transport';
export { ContractMessagePipe } from './contract-message.pipe';
export { BusClient, BusRecord, type BusClientStatus, type BusRecordMeta } from './bus-client';
