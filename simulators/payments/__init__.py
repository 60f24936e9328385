"""How citizens pay: the payment solution (page and DebitorIndbetalingAfsend) and payment slips."""

from simulators.payments.bank import BankPayments
from simulators.payments.solution import PaymentSolution

__all__ = ["BankPayments", "PaymentSolution"]
