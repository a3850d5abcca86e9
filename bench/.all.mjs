export * from 'refundkit';
