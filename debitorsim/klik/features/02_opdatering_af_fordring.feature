# language: da
Egenskab: Opdatering af fordring
  KLIK-trin 1 (fortsat): FBS holder fordringen ajour i debitorsystemet: nedskrivning,
  annullering, og skift af skyldner, når lånerens CPR-nummer ændres.

  Abstrakt Scenario: Nedskrivning af et gebyr
    Givet en kommune med debitorsystemet "<system>"
    Og en låner med CPR-nummer
    Og et gebyr på 50,00 kr er overdraget til debitorsystemet
    Når biblioteket nedskriver gebyret med 15,00 kr
    Og integrationen har leveret sine beskeder
    Så viser debitorsystemet gebyret med nedskrivning 15,00 kr og saldo 35,00 kr
    Og låneren skylder 35,00 kr i FBS

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

  Abstrakt Scenario: Annullering, når materialet dukker op
    Givet en kommune med debitorsystemet "<system>"
    Og en låner med CPR-nummer
    Og et gebyr på 80,00 kr er overdraget til debitorsystemet
    Når materialet dukker op, og biblioteket annullerer gebyret
    Og integrationen har leveret sine beskeder
    Så har fordringen for gebyret status "Annulleret" i debitorsystemet
    Og låneren skylder 0,00 kr i FBS

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

  Abstrakt Scenario: Skift af CPR-nummer på skyldneren
    Givet en kommune med debitorsystemet "<system>"
    Og en låner med CPR-nummer
    Og et gebyr på 50,00 kr er overdraget til debitorsystemet
    Når biblioteket retter lånerens CPR-nummer
    Og integrationen har leveret sine beskeder
    Så ender CPR-skiftet som "<udfald>"

    @opus
    Eksempler: KMD Opus
      | system | udfald                         |
      | opus   | flyttet til det nye CPR-nummer |

    @prisme2015
    Eksempler: Fujitsu Prisme 2015
      | system     | udfald                         |
      | prisme2015 | flyttet til det nye CPR-nummer |

    @prisme2009
    Eksempler: Fujitsu Prisme 2009
      | system     | udfald                                   |
      | prisme2009 | parkeret (SkiftHaefterIkkeUnderstoettet) |

    @eg
    Eksempler: EG ØS Indsigt
      | system | udfald                                   |
      | eg     | parkeret (SkiftHaefterIkkeUnderstoettet) |
