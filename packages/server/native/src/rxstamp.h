/*
 * When the kernel received a datagram: the receive timestamp of the last datagram read from a
 * UDP socket (SIOCGSTAMPNS). Node's dgram reads one datagram and runs its JavaScript handler
 * before reading the next, so within that handler this is the arrival of the datagram being
 * handled, however long it waited in the socket's queue while the event loop was busy.
 */
#ifndef RTCROOM_RXSTAMP_H
#define RTCROOM_RXSTAMP_H

/*
 * Milliseconds since the kernel received the last datagram read from `fd`, or -1 when that is
 * not known (no datagram stamped yet: the first call turns stamping on for the socket; not
 * Linux; not a socket).
 */
double rxstamp_age_ms(int fd);

#endif
