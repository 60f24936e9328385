# language: da
@kontrol @tid
Egenskab: Opkrævning og betaling
  KLIK-trin 2: borgeren betaler - på kommunens betalingsløsning, hvor der er en, ellers med
  indbetalingskort - og FBS bliver opdateret, når debitorsystemet melder tilbage.

  Abstrakt Scenario: Betaling via kommunens betalingsløsning
    Givet en kommune med debitorsystemet "<system>"
    Og en låner med CPR-nummer
    Og et gebyr på 150,00 kr er overdraget til debitorsystemet
    Når borgeren logger ind på kommunens betalingsside
    Så viser betalingssiden gebyret til betaling uden at vise CPR-nummeret
    Når borgeren betaler gebyret med "MobilePay" på betalingssiden
    Så er fordringen for gebyret betalt i debitorsystemet med det samme
    Når FBS er blevet opdateret
    Så er gebyret betalt i FBS med betalingsdatoen

    @opus
    Eksempler: KMD Opus
      | system |
      | opus   |

    @prisme2015
    Eksempler: Fujitsu Prisme 2015
      | system     |
      | prisme2015 |

  Abstrakt Scenario: Indbetalingskort på systemer uden betalingsløsning
    Givet en kommune med debitorsystemet "<system>"
    Og en låner med CPR-nummer
    Og et gebyr på 150,00 kr er overdraget til debitorsystemet
    Når borgeren åbner kommunens betalingsside
    Så forklarer siden, at kommunen ingen betalingsløsning har, og hvordan man betaler i stedet
    Og betalingstjenesten afviser ForetagIndbetaling med fejlkoden "IngenBetalingsloesning"
    Når borgeren betaler 150,00 kr med indbetalingskort
    Og FBS er blevet opdateret
    Så er gebyret betalt i FBS med betalingsdatoen

    @prisme2009
    Eksempler: Fujitsu Prisme 2009
      | system     |
      | prisme2009 |

    @eg
    Eksempler: EG ØS Indsigt
      | system |
      | eg     |

  Abstrakt Scenario: Delbetaling
    Givet en kommune med debitorsystemet "<system>"
    Og en låner med CPR-nummer
    Og et gebyr på 100,00 kr er overdraget til debitorsystemet
    Når borgeren betaler 40,00 kr med indbetalingskort
    Og FBS er blevet opdateret
    Så skylder låneren 60,00 kr på gebyret i FBS
    Og gebyret har ingen betalingsdato i FBS

    @opus
    Eksempler: KMD Opus
      | system |
      | opus   |

    @prisme2015
    Eksempler: Fujitsu Prisme 2015
      | system     |
      | prisme2015 |

    @prisme2009
    Eksempler: Fujitsu Prisme 2009
      | system     |
      | prisme2009 |

    @eg
    Eksempler: EG ØS Indsigt
      | system |
      | eg     |

  Abstrakt Scenario: Overbetaling
    Givet en kommune med debitorsystemet "<system>"
    Og en låner med CPR-nummer
    Og et gebyr på 100,00 kr er overdraget til debitorsystemet
    Når borgeren betaler 150,00 kr med indbetalingskort
    Og FBS er blevet opdateret
    Så er gebyret betalt i FBS med betalingsdatoen
    Og låneren skylder 0,00 kr i FBS
    Og debitorsystemet har dækket gebyret med 100,00 kr og har 50,00 kr til gode for låneren

    @opus
    Eksempler: KMD Opus
      | system |
      | opus   |

    @prisme2015
    Eksempler: Fujitsu Prisme 2015
      | system     |
      | prisme2015 |

    @prisme2009
    Eksempler: Fujitsu Prisme 2009
      | system     |
      | prisme2009 |

    @eg
    Eksempler: EG ØS Indsigt
      | system |
      | eg     |

  Abstrakt Scenario: Tilbageført betaling
    Givet en kommune med debitorsystemet "<system>"
    Og en låner med CPR-nummer
    Og et gebyr på 100,00 kr er overdraget til debitorsystemet
    Når borgeren betaler 100,00 kr med indbetalingskort
    Og FBS er blevet opdateret
    Så er gebyret betalt i FBS med betalingsdatoen
    Når betalingen tilbageføres i debitorsystemet
    Og FBS er blevet opdateret
    Så skylder låneren 100,00 kr på gebyret i FBS
    Og gebyret har ingen betalingsdato i FBS

    @opus
    Eksempler: KMD Opus
      | system |
      | opus   |

    @prisme2015
    Eksempler: Fujitsu Prisme 2015
      | system     |
      | prisme2015 |

    @prisme2009
    Eksempler: Fujitsu Prisme 2009
      | system     |
      | prisme2009 |

    @eg
    Eksempler: EG ØS Indsigt
      | system |
      | eg     |
