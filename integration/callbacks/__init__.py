"""The callback receiver's domain: apply the debtor system's events to FBS fees, once each."""
