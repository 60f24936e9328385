"""The core's domain: fees, patrons and how a fee's balance follows from the debtor system's events.

The bottom of the integration core: plain values and pure functions that import
nothing else of `integration`. The store keeps these values; the services change
them; neither is known here.
"""
